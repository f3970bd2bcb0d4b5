// Admin API agent routes over real services and SQLite: filtered and paged
// listing, reads with ETag and live state, If-Match updates, unregistering,
// health and metrics, the seed's /api/agents paths, and bad input for each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { agentHealthJsonSchema, agentMetricsJsonSchema } from '../health/health-json.js';
import { agentJsonSchema } from './agent-json.js';

let api: TestApi;
const listSchema = pageOf(agentJsonSchema);

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('web-1', {
    type: 'blocking',
    version: '1.0.0',
    capabilities: ['scan', 'quarantine'],
    labels: { env: 'prod', team: 'red' },
  });
  await api.enrollAgent('web-2', {
    type: 'blocking',
    version: '1.1.0',
    capabilities: ['scan'],
    labels: { env: 'prod', team: 'blue' },
  });
  await api.enrollAgent('db-1', {
    type: 'monitoring',
    version: '1.1.0',
    hostname: 'database.local',
    capabilities: [],
    labels: { env: 'staging' },
  });
  await api.connectWithHeartbeat('web-1');
  await api.t.services.tracker.flush();
});
afterAll(() => api.close());

const ids = async (query: string) => {
  const response = await api.call('GET', `/api/v1/agents${query}`, { key: api.keys.viewer });
  expect(response.statusCode, response.body).toBe(200);
  return listSchema
    .parse(response.json())
    .items.map((agent) => agent.id)
    .sort();
};

const badQuery = async (query: string, field: string) => {
  const response = await api.call('GET', `/api/v1/agents${query}`);
  expect(response.statusCode, response.body).toBe(400);
  expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
};

describe('GET /api/v1/agents', () => {
  it('lists every agent in the documented shape', async () => {
    expect(await ids('')).toEqual(['db-1', 'web-1', 'web-2']);
  });

  it.each([
    ['?status=online', ['web-1']],
    ['?status=offline,inactive', ['db-1', 'web-2']],
    ['?health=healthy', ['web-1']],
    ['?health=unknown', ['db-1', 'web-2']],
    ['?type=monitoring', ['db-1']],
    ['?version=1.1.0', ['db-1', 'web-2']],
    ['?capability=quarantine', ['web-1']],
    ['?label=env=prod', ['web-1', 'web-2']],
    ['?label=env=prod&label=team=blue', ['web-2']],
    ['?label=env=prod,team=red', ['web-1']],
    ['?q=database', ['db-1']],
    ['?q=web&type=blocking&version=1.0.0', ['web-1']],
  ])('filters with %s', async (query, expected) => {
    expect(await ids(query)).toEqual(expected);
  });

  it('pages with opaque tokens until the last page', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await api.call(
        'GET',
        `/api/v1/agents?pageSize=2${token ? `&pageToken=${token}` : ''}`,
      );
      const page = listSchema.parse(response.json());
      seen.push(...page.items.map((a) => a.id));
      token = page.nextPageToken;
      pages += 1;
    } while (token);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual(['db-1', 'web-1', 'web-2']);
  });

  it('refuses a page token reused with other filters', async () => {
    const first = listSchema.parse((await api.call('GET', '/api/v1/agents?pageSize=1')).json());
    await badQuery(`?pageSize=1&type=blocking&pageToken=${first.nextPageToken}`, 'pageToken');
  });

  it.each([
    ['?pageToken=garbage!!', 'pageToken'],
    ['?pageSize=501', 'pageSize'],
    ['?pageSize=0', 'pageSize'],
    ['?pageSize=many', 'pageSize'],
    ['?status=sleeping', 'status'],
    ['?health=fine', 'health'],
    ['?label=novalue', 'label'],
    ['?label==x', 'label'],
    ['?type=', 'type'],
    ['?type=a&type=b', 'type'],
    ['?q=' + 'x'.repeat(129), 'q'],
    ['?colour=red', 'colour'],
    ['?sort=colour', 'sort'],
    ['?order=up', 'order'],
    ['?group=no-such-group', 'group'],
  ])('refuses %s naming %s', async (query, field) => {
    await badQuery(query, field);
  });

  it('filters by the members of a static or a dynamic group', async () => {
    const group = (body: unknown) => api.call('POST', '/api/v1/groups', { body });
    const dynamic = (await group({ name: 'prod', kind: 'dynamic', selector: { env: 'prod' } })).json();
    const fixed = (await group({ name: 'picked', kind: 'static' })).json();
    await api.call('POST', `/api/v1/groups/${fixed.id}/members`, { body: { agentIds: ['db-1', 'web-2'] } });
    expect(await ids(`?group=${dynamic.id}`)).toEqual(['web-1', 'web-2']);
    expect(await ids(`?group=${fixed.id}`)).toEqual(['db-1', 'web-2']);
    expect(await ids(`?group=${fixed.id}&label=env=prod`)).toEqual(['web-2']);
  });

  it('sorts by a field either way and pages through the sorted listing', async () => {
    const inOrder = async (query: string) => {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const response = await api.call(
          'GET',
          `/api/v1/agents?pageSize=1${query}${token ? `&pageToken=${token}` : ''}`,
        );
        expect(response.statusCode, response.body).toBe(200);
        const page = listSchema.parse(response.json());
        seen.push(...page.items.map((a) => a.id));
        token = page.nextPageToken;
      } while (token);
      return seen;
    };
    expect(await inOrder('&sort=version&order=desc')).toEqual(['web-2', 'db-1', 'web-1']);
    expect(await inOrder('&sort=type')).toEqual(['web-1', 'web-2', 'db-1']);
    expect(await inOrder('&sort=lastSeenAt&order=desc')).toEqual(['web-1', 'web-2', 'db-1']);
    // A token is bound to its sort as to its filters.
    const first = listSchema.parse((await api.call('GET', '/api/v1/agents?pageSize=1&sort=type')).json());
    await badQuery(`?pageSize=1&sort=name&pageToken=${first.nextPageToken}`, 'pageToken');
  });
});

describe('GET /api/v1/agents/:id', () => {
  it('returns the agent with its ETag, live state and connected flag', async () => {
    const response = await api.call('GET', '/api/v1/agents/web-1', { key: api.keys.viewer });
    expect(response.statusCode).toBe(200);
    const agent = agentJsonSchema.parse(response.json());
    expect(response.headers.etag).toBe(`"${agent.revision}"`);
    expect(agent).toMatchObject({
      id: 'web-1',
      status: 'online',
      health: 'healthy',
      connected: true,
      labels: { env: 'prod', team: 'red' },
    });
    expect(agent.lastHeartbeat).toMatchObject({ cpuPercent: 12.5, sentAt: '2026-01-01T00:00:00.000Z' });
    expect(agent.enrolledAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('shows a never-seen agent with null times', async () => {
    const agent = agentJsonSchema.parse((await api.call('GET', '/api/v1/agents/db-1')).json());
    expect(agent).toMatchObject({
      connected: false,
      lastSeenAt: null,
      lastHeartbeat: null,
      status: 'offline',
    });
  });

  it('answers 404 for an unknown agent and 400 for a malformed id', async () => {
    expect((await api.call('GET', '/api/v1/agents/ghost')).statusCode).toBe(404);
    const bad = await api.call('GET', `/api/v1/agents/${encodeURIComponent('bad id!')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('id');
  });

  it('is also served at the seed paths, with the same body and auth', async () => {
    const v1 = await api.call('GET', '/api/v1/agents/web-2');
    const seed = await api.call('GET', '/api/agents/web-2', { key: api.keys.viewer });
    expect(seed.statusCode).toBe(200);
    expect(seed.json()).toEqual(v1.json());
    expect((await api.call('GET', '/api/agents', { key: null })).statusCode).toBe(401);
    expect(
      listSchema.parse((await api.call('GET', '/api/agents?type=monitoring')).json()).items.map((a) => a.id),
    ).toEqual(['db-1']);
  });
});

describe('PATCH /api/v1/agents/:id', () => {
  const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    api.call('PATCH', `/api/v1/agents/${id}`, { key: api.keys.operator, body, headers });

  it('changes name and labels, honouring If-Match, and returns the new ETag', async () => {
    const etag = (await api.call('GET', '/api/v1/agents/web-2')).headers.etag as string;
    const response = await patch(
      'web-2',
      { name: 'Web Two', labels: { env: 'prod', tier: 'edge' } },
      { 'if-match': etag },
    );
    expect(response.statusCode, response.body).toBe(200);
    const agent = agentJsonSchema.parse(response.json());
    expect(agent).toMatchObject({ name: 'Web Two', labels: { env: 'prod', tier: 'edge' } });
    expect(response.headers.etag).toBe(`"${agent.revision}"`);
    expect(response.headers.etag).not.toBe(etag);
  });

  it('answers 412 when If-Match is stale or not an ETag of ours', async () => {
    const current = agentJsonSchema.parse((await api.call('GET', '/api/v1/agents/web-2')).json());
    const stale = await patch('web-2', { name: 'lost update' }, { 'if-match': `"${current.revision - 1}"` });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('precondition_failed');
    expect((await patch('web-2', { name: 'x' }, { 'if-match': 'W/"1"' })).statusCode).toBe(412);
    expect(agentJsonSchema.parse((await api.call('GET', '/api/v1/agents/web-2')).json()).name).toBe(
      current.name,
    );
  });

  it.each([
    [{ colour: 'red' }, 'colour'],
    [{ name: 42 }, 'name'],
    [{ labels: { 'bad key!': 'x' } }, 'labels.bad key!'],
    [{ labels: 'env=prod' }, 'labels'],
    [[], '(root)'],
  ])('refuses %j naming %s', async (body, field) => {
    const response = await patch('web-1', body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers 404 for an unknown agent', async () => {
    expect((await patch('ghost', { name: 'x' })).statusCode).toBe(404);
  });
});

describe('DELETE /api/v1/agents/:id', () => {
  it('unregisters the agent (204), then it shows decommissioned and a second delete is 404', async () => {
    await api.enrollAgent('doomed-1');
    const response = await api.call('DELETE', '/api/v1/agents/doomed-1', { key: api.keys.operator });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(agentJsonSchema.parse((await api.call('GET', '/api/v1/agents/doomed-1')).json()).status).toBe(
      'decommissioned',
    );
    expect((await api.call('DELETE', '/api/v1/agents/doomed-1')).statusCode).toBe(404);
    expect((await api.call('PATCH', '/api/v1/agents/doomed-1', { body: { name: 'x' } })).statusCode).toBe(
      404,
    );
  });
});

describe('GET /api/v1/agents/:id/health and /metrics', () => {
  it('returns live health and the latest heartbeat with recent history', async () => {
    const health = agentHealthJsonSchema.parse(
      (await api.call('GET', '/api/v1/agents/web-1/health', { key: api.keys.viewer })).json(),
    );
    expect(health).toMatchObject({
      agentId: 'web-1',
      status: 'online',
      health: 'healthy',
      connected: true,
      reasons: [],
    });
    const metrics = agentMetricsJsonSchema.parse(
      (await api.call('GET', '/api/v1/agents/web-1/metrics')).json(),
    );
    expect(metrics.latest).toMatchObject({ queueDepth: 3, metrics: { scans: 7 } });
    expect(metrics.history).toHaveLength(1);
  });

  it('answers 404 for unknown agents and 400 for unknown query parameters', async () => {
    expect((await api.call('GET', '/api/v1/agents/ghost/health')).statusCode).toBe(404);
    expect((await api.call('GET', '/api/v1/agents/ghost/metrics')).statusCode).toBe(404);
    expect((await api.call('GET', '/api/v1/agents/web-1/health?verbose=1')).statusCode).toBe(400);
  });
});
