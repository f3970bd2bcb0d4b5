// Admin API command routes over real services: create (single, bulk, group,
// idempotent), read, list with filters and paging, cancel, one agent's
// commands, the seed paths, roles and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { createdCommandJsonSchema } from './command-routes.js';
import { commandJsonSchema } from './command-json.js';

let api: TestApi;
const listSchema = pageOf(commandJsonSchema);

beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('agent-a', { labels: { env: 'prod' } });
  await api.enrollAgent('agent-b', { labels: { env: 'prod' } });
  await api.enrollAgent('agent-c', { labels: { env: 'dev' } });
});
afterAll(() => api.close());

const ping = (agentId = 'agent-a') => ({ type: 'ping', target: { kind: 'agent', agentId } });

async function create(body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) {
  const response = await api.call('POST', '/api/v1/commands', {
    body,
    key: options.key ?? api.keys.operator,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  expect(response.statusCode, response.body).toBe(201);
  return createdCommandJsonSchema.parse(response.json());
}

const fieldsOf = (response: { json(): unknown }) =>
  (response.json() as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

const listIds = async (url: string) => {
  const response = await api.call('GET', url, { key: api.keys.viewer });
  expect(response.statusCode, response.body).toBe(200);
  return listSchema.parse(response.json()).items.map((c) => c.id);
};

describe('POST /api/v1/commands', () => {
  it('creates a queued single-agent command (201) with ISO times and history', async () => {
    const { command, children } = await create({ ...ping(), timeoutSeconds: 120 });
    expect(children).toEqual([]);
    expect(command).toMatchObject({
      type: 'ping',
      params: {},
      priority: 'normal',
      target: { kind: 'agent', agentId: 'agent-a' },
      agentId: 'agent-a',
      parentId: null,
      status: 'queued',
      createdAt: '2026-01-01T00:00:00.000Z',
      deadlineAt: '2026-01-01T00:02:00.000Z',
      expiresAt: '2026-01-01T00:02:00.000Z',
      deliveries: 0,
      progress: null,
      result: null,
      error: null,
      history: [{ status: 'queued', at: '2026-01-01T00:00:00.000Z' }],
    });
    const read = await api.call('GET', `/api/v1/commands/${command.id}`, { key: api.keys.viewer });
    expect(read.statusCode).toBe(200);
    expect(commandJsonSchema.parse(read.json())).toEqual(command);
  });

  it('expands a selector into per-agent commands under a bulk parent', async () => {
    const { command, children } = await create({
      type: 'scan',
      params: { scope: 'full' },
      target: { kind: 'selector', labels: { env: 'prod' } },
    });
    expect(command.agentId).toBeNull();
    expect(children).toHaveLength(2);
    expect(command.params).toMatchObject({ scope: 'full', durationSeconds: 600, intensity: 'medium' });
    expect(await listIds(`/api/v1/commands?parentId=${command.id}&order=asc`)).toEqual(children);
  });

  it('expands a group into its members when created; the parent keeps the group target', async () => {
    const groups = api.t.services.groups;
    const prod = await groups.create(api.t.admin, {
      name: 'cmd-prod',
      kind: 'dynamic',
      selector: { env: 'prod' },
    });
    const { command, children } = await create({ type: 'ping', target: { kind: 'group', groupId: prod.id } });
    expect(command.target).toEqual({ kind: 'group', groupId: prod.id });
    const childAgents = await Promise.all(children.map((id) => api.t.services.commands.get(id)));
    expect(childAgents.map((c) => c.agentId).sort()).toEqual(['agent-a', 'agent-b']);
    const empty = await groups.create(api.t.admin, { name: 'cmd-empty', kind: 'static' });
    for (const [groupId, says] of [
      ['no-such-group', 'no group'],
      [empty.id, 'no enrolled member'],
    ] as const) {
      const response = await api.call('POST', '/api/v1/commands', {
        body: { type: 'ping', target: { kind: 'group', groupId } },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(fieldsOf(response)).toEqual(['target.groupId']);
      expect(response.body).toContain(says);
    }
  });

  it.each([
    ['an unknown type', { ...ping(), type: 'nosuch' }, 'type'],
    ['bad params', { type: 'scan', params: { intensity: 'max' }, target: ping().target }, 'params.intensity'],
    ['an unknown agent', ping('ghost'), 'target.agentId'],
    ['a past deadline', { ...ping(), deadlineAt: '2025-12-31T00:00:00Z' }, 'deadlineAt'],
    ['an unknown member', { ...ping(), colour: 'red' }, 'colour'],
  ])('refuses %s with 400 naming %s', async (_what, body, field) => {
    const response = await api.call('POST', '/api/v1/commands', { body });
    expect(response.statusCode, response.body).toBe(400);
    expect(fieldsOf(response)).toContain(field);
  });

  it('refuses params over 64 KiB naming params', async () => {
    const response = await api.call('POST', '/api/v1/commands', {
      body: { ...ping(), params: { blob: 'x'.repeat(65 * 1024) } },
    });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response)).toContain('params');
  });

  it('refuses malformed JSON with 400 and a non-JSON body with 415', async () => {
    const malformed = await api.call('POST', '/api/v1/commands', {
      payload: '{"type": "ping",',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    const text = await api.call('POST', '/api/v1/commands', {
      payload: 'ping',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(415);
  });

  it('lets a viewer create nothing (403) and keeps emergency commands for admins', async () => {
    expect(
      (await api.call('POST', '/api/v1/commands', { body: ping(), key: api.keys.viewer })).statusCode,
    ).toBe(403);
    const isolate = {
      type: 'isolate',
      priority: 'emergency',
      params: { reason: 'test' },
      target: ping().target,
    };
    expect(
      (await api.call('POST', '/api/v1/commands', { body: isolate, key: api.keys.operator })).statusCode,
    ).toBe(403);
    expect((await create(isolate, { key: api.keys.admin })).command.priority).toBe('emergency');
  });

  it('replays the same command (200) for a retried Idempotency-Key, and refuses another body', async () => {
    const headers = { 'idempotency-key': 'retry-1' };
    const first = await create(ping('agent-b'), { headers });
    expect(first.command.idempotencyKey).toBe('retry-1');
    const again = await api.call('POST', '/api/v1/commands', {
      body: ping('agent-b'),
      key: api.keys.operator,
      headers,
    });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(createdCommandJsonSchema.parse(again.json()).command.id).toBe(first.command.id);
    // The key in the body is the same key.
    const inBody = await api.call('POST', '/api/v1/commands', {
      body: { ...ping('agent-b'), idempotencyKey: 'retry-1' },
      key: api.keys.operator,
    });
    expect(inBody.statusCode).toBe(200);
    const other = await api.call('POST', '/api/v1/commands', {
      body: ping('agent-c'),
      key: api.keys.operator,
      headers,
    });
    expect(other.statusCode).toBe(412);
    const conflicting = await api.call('POST', '/api/v1/commands', {
      body: { ...ping('agent-b'), idempotencyKey: 'other' },
      key: api.keys.operator,
      headers,
    });
    expect(conflicting.statusCode).toBe(400);
    expect(fieldsOf(conflicting)).toEqual(['idempotencyKey']);
  });

  it('replays a bulk command with its children', async () => {
    const body = { type: 'status', target: { kind: 'agents', agentIds: ['agent-a', 'agent-c'] } };
    const headers = { 'idempotency-key': 'bulk-1' };
    const first = await create(body, { headers });
    const again = await api.call('POST', '/api/v1/commands', { body, key: api.keys.operator, headers });
    expect(again.statusCode).toBe(200);
    expect(createdCommandJsonSchema.parse(again.json())).toEqual(first);
  });
});

describe('POST /api/v1/commands/:id/cancel', () => {
  it('cancels a queued command with a reason, then 412; 404 for an unknown id', async () => {
    const { command } = await create(ping('agent-c'));
    const cancelled = await api.call('POST', `/api/v1/commands/${command.id}/cancel`, {
      key: api.keys.operator,
      body: { reason: 'changed my mind' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const json = commandJsonSchema.parse(cancelled.json());
    expect(json.status).toBe('cancelled');
    expect(json.history.map((h) => [h.status, h.detail])).toEqual([
      ['queued', undefined],
      ['cancel_requested', 'changed my mind'],
      ['cancelled', 'never reached an agent'],
    ]);
    const twice = await api.call('POST', `/api/v1/commands/${command.id}/cancel`, { key: api.keys.operator });
    expect(twice.statusCode).toBe(412);
    expect((await api.call('POST', '/api/v1/commands/nope/cancel')).statusCode).toBe(404);
  });

  it('cancels every child of a bulk parent', async () => {
    const { command, children } = await create({
      type: 'ping',
      target: { kind: 'selector', labels: { env: 'prod' } },
    });
    const response = await api.call('POST', `/api/v1/commands/${command.id}/cancel`, {
      key: api.keys.operator,
    });
    expect(response.statusCode, response.body).toBe(200);
    for (const id of children) {
      const child = commandJsonSchema.parse((await api.call('GET', `/api/v1/commands/${id}`)).json());
      expect(child.status).toBe('cancelled');
    }
  });

  it('refuses a viewer (403) and a bad body (400 naming the field)', async () => {
    const { command } = await create(ping());
    const viewer = await api.call('POST', `/api/v1/commands/${command.id}/cancel`, { key: api.keys.viewer });
    expect(viewer.statusCode).toBe(403);
    const bad = await api.call('POST', `/api/v1/commands/${command.id}/cancel`, {
      body: { reason: '', why: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad).sort()).toEqual(['reason', 'why']);
  });
});

describe('GET /api/v1/commands', () => {
  it('filters by status, agent, type and time, newest first by default', async () => {
    const all = await listIds('/api/v1/commands?pageSize=500');
    expect(all.length).toBeGreaterThan(5);
    expect(await listIds('/api/v1/commands?pageSize=500&order=asc')).toEqual([...all].reverse());
    const cancelled = listSchema.parse(
      (await api.call('GET', '/api/v1/commands?status=cancelled,partially_failed')).json(),
    ).items;
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((c) => c.status === 'cancelled')).toBe(true);
    const scans = listSchema.parse(
      (await api.call('GET', '/api/v1/commands?type=scan&agentId=agent-b')).json(),
    );
    expect(scans.items.map((c) => [c.type, c.agentId])).toEqual([['scan', 'agent-b']]);
    expect(await listIds('/api/v1/commands?since=2026-01-01T00:00:01Z')).toEqual([]);
    expect(await listIds('/api/v1/commands?until=2026-01-01T00:00:00Z')).toEqual([]);
  });

  it('pages with tokens bound to the filter', async () => {
    const all = await listIds('/api/v1/commands?agentId=agent-a&pageSize=500');
    const first = listSchema.parse(
      (await api.call('GET', '/api/v1/commands?agentId=agent-a&pageSize=2')).json(),
    );
    expect(first.items.map((c) => c.id)).toEqual(all.slice(0, 2));
    const second = listSchema.parse(
      (
        await api.call('GET', `/api/v1/commands?agentId=agent-a&pageSize=2&pageToken=${first.nextPageToken}`)
      ).json(),
    );
    expect(second.items.map((c) => c.id)).toEqual(all.slice(2, 4));
    const otherFilter = await api.call(
      'GET',
      `/api/v1/commands?agentId=agent-b&pageSize=2&pageToken=${first.nextPageToken}`,
    );
    expect(otherFilter.statusCode).toBe(400);
    expect(fieldsOf(otherFilter)).toEqual(['pageToken']);
  });

  it.each([
    ['?status=done', 'status'],
    ['?agentId=bad%20id', 'agentId'],
    ['?type=Bad', 'type'],
    ['?since=yesterday', 'since'],
    ['?order=up', 'order'],
    ['?pageSize=0', 'pageSize'],
    ['?agent=x', 'agent'],
  ])('refuses %s naming %s', async (query, field) => {
    const response = await api.call('GET', `/api/v1/commands${query}`);
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response)).toContain(field);
  });

  it('answers 404 for an unknown command', async () => {
    expect((await api.call('GET', '/api/v1/commands/ghost')).statusCode).toBe(404);
  });
});

describe('GET /api/v1/agents/:id/commands', () => {
  it("lists the agent's commands, and 404 for an unknown agent", async () => {
    const ids = await listIds('/api/v1/agents/agent-c/commands');
    expect(ids).toEqual(await listIds('/api/v1/commands?agentId=agent-c'));
    expect(ids.length).toBeGreaterThan(0);
    expect((await api.call('GET', '/api/v1/agents/ghost/commands')).statusCode).toBe(404);
  });
});

describe('the seed paths', () => {
  it('lists, reads and cancels (PUT) under /api/commands with the same roles', async () => {
    const { command } = await create(ping());
    expect(await listIds('/api/commands?pageSize=500')).toContain(command.id);
    const read = await api.call('GET', `/api/commands/${command.id}`, { key: api.keys.viewer });
    expect(commandJsonSchema.parse(read.json()).id).toBe(command.id);
    expect(
      (await api.call('PUT', `/api/commands/${command.id}/cancel`, { key: api.keys.viewer })).statusCode,
    ).toBe(403);
    const cancelled = await api.call('PUT', `/api/commands/${command.id}/cancel`, { key: api.keys.operator });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(commandJsonSchema.parse(cancelled.json()).status).toBe('cancelled');
  });
});
