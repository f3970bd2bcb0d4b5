// Runs the independent Python conformance client (test/conformance/python) against
// a real `corral serve` process, then checks through the REST admin API that what
// the client did over gRPC is what the server recorded.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  allOutputs,
  api,
  killAllProcesses,
  removeTempDirs,
  startServerProcess,
} from '../support/server-process.js';

/** Debian's interpreter: python3-grpcio and python3-protobuf live in its dist-packages, not in a pyenv one. */
const PYTHON =
  process.env.CONFORMANCE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const CLIENT = join(REPO_ROOT, 'test/conformance/python/conformance_client.py');
const CLIENT_TIMEOUT_MS = 90_000;

const EXPECTED_CHECKS = [
  'enroll',
  'enroll_duplicate_already_exists',
  'enroll_bad_secret_unauthenticated',
  'authenticate',
  'authenticate_wrong_credential_unauthenticated',
  'connect_heartbeats',
  'heartbeat_invalid_argument_bad_request',
  'heartbeat_other_agent_permission_denied',
  'connect_without_token_unauthenticated',
  'refresh_session',
  'terminate_session',
  'health_check',
] as const;

interface CheckLine {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly agent_id?: string;
  readonly facts?: { labels: Record<string, string>; capabilities: string[]; name: string; hostname: string };
}

interface EnrollmentSecretView {
  readonly id: string;
  readonly secret: string;
}

interface AgentView {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly capabilities: string[];
  readonly labels: Record<string, string>;
  readonly status: string;
  readonly health: string;
  readonly lastSeenAt: string | null;
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runClient(args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [CLIENT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n[killed after ${CLIENT_TIMEOUT_MS} ms]`;
    }, CLIENT_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function parseChecks(stdout: string): CheckLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Partial<CheckLine>)
    .filter((line): line is CheckLine => typeof line.check === 'string');
}

describe('Python conformance client against corral serve', () => {
  afterAll(async () => {
    await killAllProcesses();
    removeTempDirs();
  });

  it('passes every check, and the server records the agent', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(allOutputs()));
    const server = await startServerProcess();
    const client = api(server);

    const created = await client.post<EnrollmentSecretView>('/api/v1/enrollment-secrets', {
      name: 'conformance',
      maxUses: 10,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.secret).toMatch(/^ces_[A-Za-z0-9_-]{43}$/);

    const run = await runClient(['--server', server.grpcAddress, '--enroll-secret', created.body.secret]);
    const report = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    const checks = parseChecks(run.stdout);
    const byName = new Map(checks.map((line) => [line.check, line]));
    for (const name of EXPECTED_CHECKS) {
      expect(
        byName.get(name)?.ok,
        `check ${name}: ${byName.get(name)?.detail ?? 'not reported'}\n${report}`,
      ).toBe(true);
    }
    expect(run.code, report).toBe(0);

    const enroll = byName.get('enroll');
    const agentId = enroll?.agent_id;
    expect(agentId, report).toMatch(/^py-conformance-/);
    const agent = await client.get<AgentView>(`/api/v1/agents/${encodeURIComponent(agentId ?? '')}`);
    expect(agent.status, JSON.stringify(agent.body)).toBe(200);
    expect(agent.body.id).toBe(agentId);
    expect(['online', 'offline']).toContain(agent.body.status);
    expect(agent.body.lastSeenAt).toEqual(expect.any(String));
    expect(Number.isNaN(Date.parse(agent.body.lastSeenAt ?? ''))).toBe(false);
    expect(agent.body.name).toBe(enroll?.facts?.name);
    expect(agent.body.hostname).toBe(enroll?.facts?.hostname);
    expect(agent.body.labels).toEqual(enroll?.facts?.labels);
    expect([...agent.body.capabilities].sort()).toEqual([...(enroll?.facts?.capabilities ?? [])].sort());

    const listed = await client.get<{ items: AgentView[] }>('/api/v1/agents');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item) => item.id)).toContain(agentId);

    expect(await server.stop()).toBe(0);
  }, 180_000);
});
