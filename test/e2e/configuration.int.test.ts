// Configuration through the real processes: `corral serve`, two reference
// `corral agent` processes and the CLI. A group layer set with
// `corral config set --group` reaches the agent in the group, which applies it
// (its applied digest becomes the desired one, and it is compliant), while the
// agent outside the group keeps running the fleet's configuration.
import { afterAll, describe, expect, it } from 'vitest';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { runCorral, type CliRun } from '../../src/cli/run-corral.fixtures.js';

interface AgentConfigurationJson {
  readonly desired: {
    readonly digest: string;
    readonly configuration: { logLevel: string; metadata: object };
  };
  readonly applied: {
    readonly configuration: { readonly appliedDigest: string | null };
    readonly compliance: string;
  } | null;
}

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
});

function corral(server: ServerProcess, args: readonly string[]): Promise<CliRun> {
  return runCorral(args, { CORRAL_API_URL: server.apiUrl, CORRAL_API_KEY: server.adminKey });
}

/** `corral config get --agent <id> -o json`, parsed (throws while the agent is not enrolled yet). */
async function configOf(server: ServerProcess, agentId: string): Promise<AgentConfigurationJson> {
  const run = await corral(server, ['config', 'get', '--agent', agentId, '-o', 'json']);
  if (run.code !== 0) throw new Error(`corral config get exited ${run.code}`);
  return JSON.parse(run.stdout) as AgentConfigurationJson;
}

/** Waits until the agent runs what it should: applied digest == desired digest, compliant. */
const converged = (server: ServerProcess, agentId: string, accept: (c: AgentConfigurationJson) => boolean) =>
  waitFor(
    () => configOf(server, agentId),
    (c) =>
      c.applied?.configuration.appliedDigest === c.desired.digest &&
      c.applied.compliance === 'compliant' &&
      accept(c),
    { description: `${agentId} to apply its desired configuration`, timeoutMs: 30_000, intervalMs: 250 },
  );

describe('configuration through the processes', () => {
  it('converges the agents of a group on a layer set with the CLI, and leaves the others alone', async (context) => {
    context.onTestFailed(() => console.error(allOutputs()));
    const server = await startServerProcess({ env: { HEARTBEAT_FLUSH_INTERVAL: '100ms' } });
    const client = api(server);
    const secret = (await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'cfg-e2e' }))
      .body.secret;
    const group = await client.post<{ id: string }>('/api/v1/groups', {
      name: 'lab',
      kind: 'dynamic',
      selector: { site: 'lab' },
      priority: 10,
    });
    expect(group.status).toBe(201);
    for (const [agentId, site] of [
      ['cfg-lab', 'lab'],
      ['cfg-hq', 'hq'],
    ] as const)
      startAgentProcess([
        '--server',
        server.grpcAddress,
        '--enroll-secret',
        secret,
        '--state-dir',
        makeTempDir(`corral-${agentId}-`),
        '--agent-id',
        agentId,
        '--label',
        `site=${site}`,
      ]);
    const fleet = await converged(server, 'cfg-hq', () => true);
    await converged(server, 'cfg-lab', (c) => c.desired.digest === fleet.desired.digest);

    const set = await corral(server, [
      'config',
      'set',
      '--group',
      group.body.id,
      '--set',
      'logLevel=debug',
      '--set',
      'metadata.site=lab',
      '--reason',
      'e2e',
    ]);
    expect(set.code).toBe(0);

    const lab = await converged(server, 'cfg-lab', (c) => c.desired.configuration.logLevel === 'debug');
    expect(lab.desired.digest).not.toBe(fleet.desired.digest);
    expect(lab.desired.configuration.metadata).toEqual({ site: 'lab' });
    const hq = await configOf(server, 'cfg-hq');
    expect(hq.desired).toEqual(fleet.desired);
    expect(hq.applied?.configuration.appliedDigest).toBe(fleet.desired.digest);

    const compliance = await corral(server, ['compliance', '--group', group.body.id, '-o', 'json']);
    expect(compliance.code).toBe(0);
    expect(JSON.parse(compliance.stdout)).toMatchObject({ total: 1, compliantPercent: 100 });
    // Three processes start and converge twice: generous, for a loaded machine.
  }, 90_000);
});
