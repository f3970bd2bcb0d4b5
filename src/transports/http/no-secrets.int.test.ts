// No response of any endpoint carries a hash or a secret: every documented
// operation is called (the test fails when a new one is not), and every body
// is searched for hash-named members, stored hashes, agent credentials and
// session tokens. Enrollment secrets and API keys may appear only in the
// response that created them.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../shared/secret-tokens.js';
import { openTestApi, type TestApi } from './test-support.js';

interface Hit {
  readonly operation: string;
  readonly response: LightMyRequestResponse;
}

let api: TestApi;
const hits: Hit[] = [];
const secretsShownOnce = new Map<string, Hit>();
const neverShown = new Set<string>();

async function hit(
  method: string,
  pattern: string,
  options: { params?: Record<string, string>; query?: string; body?: unknown; key?: string | null } = {},
) {
  const url =
    pattern.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(options.params?.[name] ?? name)) +
    (options.query ?? '');
  const response = await api.call(method, url, { key: options.key, body: options.body });
  expect(response.statusCode, `${method} ${url}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  const entry = { operation: `${method} ${pattern}`, response };
  hits.push(entry);
  return entry;
}

beforeAll(async () => {
  api = await openTestApi();
  const db = api.t.backends.db;

  const secret = await hit('POST', '/api/v1/enrollment-secrets', { body: { name: 'scan', maxUses: 5 } });
  const secretBody = secret.response.json();
  secretsShownOnce.set(secretBody.secret, secret);
  const agent = await api.t.services.agents.enroll({
    enrollmentSecret: secretBody.secret,
    agentId: 'ns-1',
    credential: '',
    facts: {
      name: 'ns-1',
      hostname: 'h',
      ipAddress: '10.1.1.1',
      version: '1',
      type: 't',
      platform: 'linux',
      capabilities: ['scan'],
      labels: { a: 'b' },
    },
  });
  const session = await api.startSession('ns-1', agent.credential ?? '');
  await api.connectWithHeartbeat('ns-1');
  await api.t.services.tracker.flush();
  const key = await hit('POST', '/api/v1/api-keys', { body: { name: 'scan key', role: 'viewer' } });
  const keyBody = key.response.json();
  secretsShownOnce.set(keyBody.key, key);
  for (const value of [agent.credential ?? '', session.token, ...Object.values(api.keys)])
    neverShown.add(value);

  const ids = { id: 'ns-1' };
  await hit('GET', '/api/v1/agents', { query: '?pageSize=1' });
  await hit('GET', '/api/v1/agents/:id', { params: ids });
  await hit('PATCH', '/api/v1/agents/:id', { params: ids, body: { labels: { a: 'c' } } });
  await hit('GET', '/api/v1/agents/:id/health', { params: ids });
  await hit('GET', '/api/v1/agents/:id/metrics', { params: ids });
  await hit('GET', '/api/v1/agents/:id/sessions', { params: ids });
  await hit('GET', '/api/v1/sessions');
  const ping = { type: 'ping', target: { kind: 'agent', agentId: 'ns-1' } };
  const command = (await hit('POST', '/api/v1/commands', { body: ping })).response.json().command;
  const seedCommand = (await hit('POST', '/api/v1/commands', { body: ping })).response.json().command;
  await hit('GET', '/api/v1/commands');
  await hit('GET', '/api/v1/commands/stats');
  await hit('POST', '/api/v1/commands/emergency', {
    body: { action: 'isolate', scope: { kind: 'fleet' }, confirm: 'isolate', reason: 'drill' },
  });
  await hit('GET', '/api/v1/commands/:id', { params: { id: command.id } });
  await hit('GET', '/api/v1/agents/:id/commands', { params: ids });
  await hit('POST', '/api/v1/commands/:id/cancel', { params: { id: command.id }, body: { reason: 'test' } });
  await hit('GET', '/api/commands');
  await hit('GET', '/api/commands/:id', { params: { id: seedCommand.id } });
  await hit('PUT', '/api/commands/:id/cancel', { params: { id: seedCommand.id } });
  const typeName = { name: 'custom:ns-type' };
  await hit('POST', '/api/v1/command-types', { body: { ...typeName, schema: { type: 'object' } } });
  await hit('GET', '/api/v1/command-types');
  await hit('GET', '/api/v1/command-types/:name', { params: typeName });
  await hit('PUT', '/api/v1/command-types/:name', { params: typeName, body: { schema: { type: 'object' } } });
  await hit('DELETE', '/api/v1/command-types/:name', { params: typeName });
  const policyBody = {
    name: 'ns-policy',
    mode: 'enforce',
    defaultAction: 'allow',
    rules: [{ id: 'r1', match: { cidrs: ['192.0.2.0/24'] }, action: 'block' }],
  };
  const policyId = { id: (await hit('POST', '/api/v1/policies', { body: policyBody })).response.json().id };
  await hit('GET', '/api/v1/policies');
  await hit('GET', '/api/v1/policies/:id', { params: policyId });
  await hit('PUT', '/api/v1/policies/:id', { params: policyId, body: policyBody });
  await hit('GET', '/api/v1/policies/:id/versions', { params: policyId });
  await hit('GET', '/api/v1/policies/:id/versions/:version', { params: { ...policyId, version: '1' } });
  await hit('POST', '/api/v1/policies/:id/assignments', { params: policyId, body: { agentIds: ['ns-1'] } });
  await hit('GET', '/api/v1/policies/:id/assignments', { params: policyId });
  await hit('GET', '/api/v1/agents/:id/policies', { params: ids });
  const unassign = { ...policyId, agentId: 'ns-1', groupId: 'ns-group' };
  await hit('DELETE', '/api/v1/policies/:id/assignments/agents/:agentId', { params: unassign });
  await hit('DELETE', '/api/v1/policies/:id/assignments/groups/:groupId', { params: unassign });
  await hit('DELETE', '/api/v1/policies/:id', { params: policyId });
  const group = (
    await hit('POST', '/api/v1/groups', { body: { name: 'ns-group', kind: 'static' } })
  ).response.json();
  const groupId = { id: group.id };
  await hit('GET', '/api/v1/groups');
  await hit('GET', '/api/v1/groups/:id', { params: groupId });
  await hit('PATCH', '/api/v1/groups/:id', { params: groupId, body: { priority: 1 } });
  await hit('POST', '/api/v1/groups/:id/members', { params: groupId, body: { agentIds: ['ns-1'] } });
  await hit('GET', '/api/v1/groups/:id/members', { params: groupId });
  await hit('GET', '/api/v1/groups/:id/summary', { params: groupId });
  await hit('GET', '/api/v1/agents/:id/groups', { params: ids });
  await hit('POST', '/api/v1/groups/:id/members/remove', { params: groupId, body: { agentIds: ['ns-1'] } });
  await hit('DELETE', '/api/v1/groups/:id/members/:agentId', { params: { ...groupId, agentId: 'ns-1' } });
  await hit('DELETE', '/api/v1/groups/:id', { params: groupId });
  // Configuration: the agent is sent its desired state first, so its view shows what it was sent.
  api.t.services.desiredState.agentConnected('ns-1');
  await api.t.services.desiredState.flush();
  const layer = { body: { document: { logLevel: 'debug' }, reason: 'no-secrets' } };
  const fleetLayer = (await hit('PUT', '/api/v1/configuration/fleet', layer)).response.json();
  await hit('GET', '/api/v1/configuration/fleet');
  await hit('PUT', '/api/v1/agents/:id/configuration/layer', { params: ids, ...layer });
  await hit('GET', '/api/v1/agents/:id/configuration/layer', { params: ids });
  await hit('GET', '/api/v1/agents/:id/configuration', { params: ids });
  const bulk = { target: { kind: 'agents', agentIds: ['ns-1'] }, patch: { logLevel: 'warn' } };
  const bulkResult = (await hit('POST', '/api/v1/configuration/bulk', { body: bulk })).response.json();
  await hit('GET', '/api/v1/configuration/revisions', { query: '?scope=fleet' });
  await hit('GET', '/api/v1/configuration/revisions/:id', { params: { id: fleetLayer.revisionId } });
  await hit('GET', '/api/v1/configuration/diff', {
    query: `?from=${fleetLayer.revisionId}&to=${bulkResult.results[0].revisionId}`,
  });
  await hit('GET', '/api/v1/compliance');
  // A group nobody created (404), so these hold whether or not groups are wired to configuration.
  const noGroup = { id: 'ns-no-group' };
  await hit('GET', '/api/v1/groups/:id/configuration', { params: noGroup });
  await hit('PUT', '/api/v1/groups/:id/configuration', { params: noGroup, body: { document: {} } });
  await hit('GET', '/api/v1/groups/:id/compliance', { params: noGroup });
  // Backups and state documents carry checksums and configuration, never a secret or its hash.
  const backup = (
    await hit('POST', '/api/v1/backups', { body: { name: 'ns', scope: 'fleet' } })
  ).response.json();
  const backupId = { id: backup.id };
  await hit('GET', '/api/v1/backups');
  await hit('GET', '/api/v1/backups/:id', { params: backupId });
  const download = await hit('GET', '/api/v1/backups/:id/download', { params: backupId });
  await hit('GET', '/api/v1/backups/:id/diff', { params: backupId });
  await hit('POST', '/api/v1/backups/:id/restore', { params: backupId, body: { dryRun: true } });
  await hit('POST', '/api/v1/backups/restore', { body: { document: download.response.body, dryRun: true } });
  const exported = await hit('GET', '/api/v1/state/export', { query: '?history=true' });
  // Refused (412): this instance is not empty; the refusal must not echo anything either.
  await hit('POST', '/api/v1/state/import', { body: exported.response.json() });
  await hit('GET', '/api/v1/fleet/statistics');
  await hit('GET', '/api/v1/status');
  await hit('GET', '/api/v1/enrollment-secrets');
  await hit('GET', '/api/v1/enrollment-secrets/:id', { params: { id: secretBody.id } });
  await hit('GET', '/api/v1/api-keys');
  await hit('GET', '/api/v1/me');
  await hit('GET', '/api/v1/events', { query: '?pageSize=500' });
  await hit('GET', '/api/v1/audit', { query: '?pageSize=500' });
  await hit('GET', '/api/status');
  await hit('POST', '/api/admin/maintenance', { body: { enabled: false } });
  await hit('GET', '/api/v1/maintenance');
  await hit('PUT', '/api/v1/maintenance', { body: { enabled: false } });
  const self = { instanceId: api.t.backends.instanceId };
  await hit('GET', '/api/v1/instances');
  await hit('POST', '/api/v1/instances/:instanceId/drain', { params: self });
  await hit('POST', '/api/v1/instances/:instanceId/resume', { params: self });
  await hit('GET', '/api/agents');
  await hit('GET', '/api/agents/:id', { params: ids });
  await hit('GET', '/livez', { key: null });
  await hit('GET', '/readyz', { key: null });
  await hit('GET', '/api/v1/openapi.json', { key: null });
  await hit('GET', '/api/v1/agents/:id', { params: { id: 'ghost' } });
  await hit('POST', '/api/v1/enrollment-secrets', { body: { name: 'x', secretHash: 'y' } });
  await hit('DELETE', '/api/v1/sessions/:id', { params: { id: session.id } });
  await hit('DELETE', '/api/v1/enrollment-secrets/:id', { params: { id: secretBody.id } });
  await hit('DELETE', '/api/v1/api-keys/:id', { params: { id: keyBody.id } });

  // Read the stored hashes before the agent's credential is dropped by unregistering.
  const storedHashes = [
    await db.agents.getCredentialHash('ns-1'),
    session.token && hashToken(session.token),
    (await db.enrollmentSecrets.get(secretBody.id))?.secretHash,
    (await db.apiKeys.get(keyBody.id))?.keyHash,
    ...Object.values(api.keys).map(hashToken),
  ];
  for (const hash of storedHashes) {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    neverShown.add(hash as string);
  }
  await hit('DELETE', '/api/v1/agents/:id', { params: ids });
});
afterAll(() => api.close());

function membersOf(value: unknown, path = '$'): { path: string; key: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => membersOf(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, member]) => [
    { path: `${path}.${key}`, key, value: member },
    ...membersOf(member, `${path}.${key}`),
  ]);
}

describe('responses never carry hashes or secrets', () => {
  it('called every documented operation', () => {
    const document = hits.find((h) => h.operation === 'GET /api/v1/openapi.json')?.response.json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(new Set(hits.map((h) => h.operation))).toEqual(new Set(documented));
  });

  it('has no member named like a hash', () => {
    for (const { operation, response } of hits) {
      const hashMembers = membersOf(response.body === '' ? null : response.json()).filter((m) =>
        /hash/i.test(m.key),
      );
      expect(
        hashMembers.map((m) => m.path),
        operation,
      ).toEqual([]);
    }
  });

  it('never contains a stored hash, an agent credential, a session token or an admin key', () => {
    expect(neverShown.size).toBeGreaterThanOrEqual(10);
    for (const { operation, response } of hits) {
      for (const value of neverShown)
        expect(response.body.includes(value), `${operation} leaks ${value.slice(0, 8)}…`).toBe(false);
    }
  });

  it('shows each enrollment secret and API key only in the response that created it', () => {
    for (const [value, creator] of secretsShownOnce) {
      expect(creator.response.body).toContain(value);
      for (const other of hits.filter((h) => h !== creator))
        expect(other.response.body.includes(value), other.operation).toBe(false);
    }
  });
});
