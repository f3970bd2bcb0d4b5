// The `corral` command as an operator runs it: help, exit codes (0 ok, 1 failure,
// 2 bad usage or settings), data on stdout, diagnostics on stderr, -o json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAllProcesses,
  removeTempDirs,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { runCorral, type CliRun } from '../../src/cli/run-corral.fixtures.js';

function corral(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCorral(args, { CORRAL_API_KEY: '', ...env });
}

let server: ServerProcess;
let admin: Record<string, string>;
beforeAll(async () => {
  server = await startServerProcess();
  admin = { CORRAL_API_URL: server.apiUrl, CORRAL_API_KEY: server.adminKey };
});
afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
});

describe('corral CLI', () => {
  it('prints help with every command and exits 0', async () => {
    const run = await corral(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['serve', 'agent', 'simulate', 'loadtest', 'agents', 'secrets', 'commands'])
      expect(run.stdout).toContain(command);
  });

  it('exits 2 on an unknown command or a missing key', async () => {
    expect((await corral(['nosuch'])).code).toBe(2);
    const noKey = await corral(['agents', 'ls', '--api-url', server.apiUrl]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('admin API key is required');
  });

  it('refuses bad settings at start with exit 2, naming each one', async () => {
    const run = await corral(['serve'], {
      GRPC_SERVER_ADDR: 'not-an-address',
      LOG_LEVEL: 'loud',
      STORE_URL: 'sqlite::memory:',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/GRPC_SERVER_ADDR: expected host:port/);
    expect(run.stderr).toMatch(/LOG_LEVEL/);
    expect(run.stdout).toBe('');
  });

  it('creates, lists and revokes enrollment secrets, with -o json on stdout', async () => {
    const created = await corral(
      ['secrets', 'create', '--name', 'cli-test', '--max-uses', '3', '--ttl', '1h', '-o', 'json'],
      admin,
    );
    expect(created.code).toBe(0);
    const secret = JSON.parse(created.stdout) as {
      id: string;
      secret: string;
      maxUses: number;
      state: string;
    };
    expect(secret).toMatchObject({ maxUses: 3, state: 'active' });
    expect(secret.secret).toMatch(/^ces_/);
    const listed = await corral(['secrets', 'ls', '-o', 'json'], admin);
    const page = JSON.parse(listed.stdout) as { items: { id: string; secret?: string }[] };
    expect(page.items.map((s) => s.id)).toContain(secret.id);
    expect(listed.stdout).not.toContain(secret.secret);
    const table = await corral(['secrets', 'ls'], admin);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+HINT\s+STATE/);
    const revoked = await corral(['secrets', 'revoke', secret.id, '-o', 'json'], admin);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: secret.id, state: 'revoked' });
  });

  it('reports a server refusal with exit 1 and the problem detail', async () => {
    const missing = await corral(['agents', 'get', 'no-such-agent'], admin);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404/);
    const badFlag = await corral(['secrets', 'create', '--name', 'x', '--max-uses', 'many'], admin);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--max-uses');
  });

  it('lists agents as JSON', async () => {
    const run = await corral(['agents', 'ls', '-o', 'json'], admin);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ items: [] });
  });

  it('lists commands as JSON', async () => {
    const run = await corral(['commands', 'ls', '-o', 'json'], admin);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ items: [] });
  });

  it('shows command statistics as JSON', async () => {
    const run = await corral(['commands', 'stats', '-o', 'json'], admin);
    expect(run.code, run.stderr).toBe(0);
    const stats = JSON.parse(run.stdout);
    expect(stats.unfinished).toBe(0);
    expect(stats.byStatus.succeeded).toBe(0);
    expect(stats.instance).toMatchObject({ waitingForPlacement: 0, outOnAgents: 0 });
  });

  it('reports a command for an unknown agent with exit 1 naming target.agentId', async () => {
    const run = await corral(['commands', 'send', '--type', 'ping', '--agent', 'no-such-agent'], admin);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/400/);
    expect(run.stderr).toContain('target.agentId');
    expect(run.stdout).toBe('');
  });

  it('refuses bad send flags with exit 2 naming the flag, before calling the server', async () => {
    const params = await corral(
      ['commands', 'send', '--type', 'scan', '--agent', 'a', '--params', '{bad'],
      admin,
    );
    expect(params.code).toBe(2);
    expect(params.stderr).toContain('--params');
    const targets = await corral(
      ['commands', 'send', '--type', 'ping', '--agent', 'a', '--agents', 'b'],
      admin,
    );
    expect(targets.code).toBe(2);
    expect(targets.stderr).toContain('exactly one of --agent');
    const type = await corral(['commands', 'send', '--type', 'nosuch', '--agent', 'a'], admin);
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('type');
  });

  it('reports an unknown command id with exit 1 for get, cancel and watch', async () => {
    for (const verb of ['get', 'cancel', 'watch']) {
      const run = await corral(['commands', verb, 'no-such-command'], admin);
      expect(run.code, verb).toBe(1);
      expect(run.stderr, verb).toMatch(/404/);
    }
  });
});
