// Disaster recovery with real processes: a `corral serve` with an enrolled
// reference agent, groups, a policy at its second version, assignments,
// layers at every scope and a registered command type is exported with
// `corral backup export`; a second server on a fresh data directory imports it
// with `corral backup import`; its own export then holds the same content,
// and the agent, enrolling again with its id against the new server, is back
// in its group with its layer and its policy, and reports the configuration
// it was sent as applied.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  startServerProcess,
  type ApiClient,
  type ServerProcess,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { runCorral, type CliRun } from '../../src/cli/run-corral.fixtures.js';

const AGENT_ID = 'dr-agent-1';

function corral(args: readonly string[], server: ServerProcess): Promise<CliRun> {
  return runCorral(args, { CORRAL_API_URL: server.apiUrl, CORRAL_API_KEY: server.adminKey }, 30_000);
}

async function ok<T>(call: Promise<{ status: number; body: T }>, status = 200): Promise<T> {
  const response = await call;
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

async function startAgent(server: ServerProcess, client: ApiClient) {
  const { secret } = await ok(
    client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'dr', maxUses: 5 }),
    201,
  );
  const agent = startAgentProcess([
    '--server',
    server.grpcAddress,
    '--enroll-secret',
    secret,
    '--state-dir',
    makeTempDir('corral-dr-agent-'),
    '--agent-id',
    AGENT_ID,
    '--heartbeat-interval',
    '1s',
  ]);
  await waitFor(
    () => ok(client.get<{ status: string }>(`/api/v1/agents/${AGENT_ID}`)),
    (view) => view.status === 'online',
    { description: `agent ${AGENT_ID} online` },
  );
  return agent;
}

describe('disaster recovery between two servers', () => {
  afterAll(async () => {
    await killAllProcesses();
    removeTempDirs();
  });

  it('exports everything from one server and imports it into a fresh one, where the agent finds it again', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(allOutputs()));
    const first = await startServerProcess({ env: { HEARTBEAT_INTERVAL: '1s' } });
    const a = api(first);
    const agent = await startAgent(first, a);
    const group = await ok(a.post<{ id: string }>('/api/v1/groups', { name: 'edge', kind: 'static' }), 201);
    await ok(a.post(`/api/v1/groups/${group.id}/members`, { agentIds: [AGENT_ID] }));
    await ok(a.post('/api/v1/groups', { name: 'prod', kind: 'dynamic', selector: { env: 'prod' } }), 201);
    const policyBody = {
      name: 'block-bad',
      mode: 'enforce',
      defaultAction: 'allow',
      rules: [{ id: 'r1', match: { cidrs: ['203.0.113.0/24'] }, action: 'block' }],
    };
    const policy = await ok(a.post<{ id: string }>('/api/v1/policies', policyBody), 201);
    const put = (path: string, body: unknown, etag: string) =>
      fetch(`${first.apiUrl}${path}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${first.adminKey}`,
          'content-type': 'application/json',
          'if-match': etag,
        },
        body: JSON.stringify(body),
      });
    expect((await put(`/api/v1/policies/${policy.id}`, { ...policyBody, reason: 'v2' }, '"1"')).status).toBe(
      200,
    );
    await ok(
      a.post(`/api/v1/policies/${policy.id}/assignments`, { agentIds: [AGENT_ID], groupIds: [group.id] }),
    );
    expect((await put('/api/v1/configuration/fleet', { document: { logLevel: 'warn' } }, '"0"')).status).toBe(
      200,
    );
    const groupLayer = { document: { metrics: { detailed: true } } };
    expect((await put(`/api/v1/groups/${group.id}/configuration`, groupLayer, '"0"')).status).toBe(200);
    const agentLayer = { document: { reportIntervalSeconds: 2 } };
    expect((await put(`/api/v1/agents/${AGENT_ID}/configuration/layer`, agentLayer, '"0"')).status).toBe(200);
    await ok(
      a.post('/api/v1/command-types', { name: 'custom:rotate-keys', schema: { type: 'object' } }),
      201,
    );

    await agent.stop();
    const file = join(makeTempDir('corral-dr-'), 'state.json');
    const exported = await corral(['backup', 'export', '--history', '--out', file], first);
    expect(exported.code, exported.stderr).toBe(0);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { content: unknown };
    expect(await first.stop()).toBe(0);

    const second = await startServerProcess({ env: { HEARTBEAT_INTERVAL: '1s' } });
    expect(second.dataDir).not.toBe(first.dataDir);
    const imported = await corral(['backup', 'import', '--file', file], second);
    expect(imported.code, imported.stderr).toBe(0);
    const b = api(second);
    const again = await ok(b.get<{ content: unknown }>('/api/v1/state/export?history=true'));
    expect(again.content).toEqual(document.content);
    expect(await ok(b.get(`/api/v1/command-types/custom:rotate-keys`))).toMatchObject({ revision: 1 });

    await startAgent(second, b);
    const groups = await ok(b.get<{ items: { id: string }[] }>(`/api/v1/agents/${AGENT_ID}/groups`));
    expect(groups.items.map((g) => g.id)).toEqual([group.id]);
    const policies = await ok(
      b.get<{ effective: { policies: { policyId: string; version: number }[] } }>(
        `/api/v1/agents/${AGENT_ID}/policies`,
      ),
    );
    expect(policies.effective.policies).toMatchObject([{ policyId: policy.id, version: 2 }]);
    const applied = await waitFor(
      () =>
        ok(
          b.get<{
            desired: { configuration: Record<string, unknown> };
            applied: { configuration: { status: string } } | null;
            upToDate: boolean;
          }>(`/api/v1/agents/${AGENT_ID}/configuration`),
        ),
      (view) => view.upToDate && view.applied?.configuration.status === 'applied',
      { description: 'the agent to apply its configuration on the new server' },
    );
    expect(applied.desired.configuration).toMatchObject({
      logLevel: 'warn',
      reportIntervalSeconds: 2,
      metrics: { detailed: true },
    });
  });
});
