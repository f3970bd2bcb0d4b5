// Admin API session routes over real services: list (all, by agent, per
// agent), terminate, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { sessionJsonSchema } from './session-json.js';

let api: TestApi;
const listSchema = pageOf(sessionJsonSchema);
let sessionA: string;

beforeAll(async () => {
  api = await openTestApi();
  const a = await api.enrollAgent('agent-a');
  const b = await api.enrollAgent('agent-b');
  sessionA = (await api.startSession(a.agentId, a.credential)).id;
  await api.startSession(b.agentId, b.credential);
  await api.startSession(b.agentId, b.credential);
});
afterAll(() => api.close());

const agentIdsOf = async (url: string) => {
  const response = await api.call('GET', url, { key: api.keys.viewer });
  expect(response.statusCode, response.body).toBe(200);
  return listSchema
    .parse(response.json())
    .items.map((s) => s.agentId)
    .sort();
};

describe('GET /api/v1/sessions', () => {
  it("lists every live session, or one agent's", async () => {
    expect(await agentIdsOf('/api/v1/sessions')).toEqual(['agent-a', 'agent-b', 'agent-b']);
    expect(await agentIdsOf('/api/v1/sessions?agentId=agent-b')).toEqual(['agent-b', 'agent-b']);
  });

  it('shows times as ISO-8601 and the peer', async () => {
    const [session] = listSchema.parse(
      (await api.call('GET', '/api/v1/sessions?agentId=agent-a')).json(),
    ).items;
    expect(session).toEqual({
      id: sessionA,
      agentId: 'agent-a',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
      peer: '10.0.0.1:5555',
    });
  });

  it('pages', async () => {
    const first = listSchema.parse((await api.call('GET', '/api/v1/sessions?pageSize=2')).json());
    expect(first.items).toHaveLength(2);
    const second = listSchema.parse(
      (await api.call('GET', `/api/v1/sessions?pageSize=2&pageToken=${first.nextPageToken}`)).json(),
    );
    expect(second.items).toHaveLength(1);
    expect(second.nextPageToken).toBeUndefined();
  });

  it.each([
    ['?agentId=bad%20id', 'agentId'],
    ['?pageSize=1000', 'pageSize'],
    ['?pageToken=%25%25', 'pageToken'],
    ['?agent=x', 'agent'],
  ])('refuses %s naming %s', async (query, field) => {
    const response = await api.call('GET', `/api/v1/sessions${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('GET /api/v1/agents/:id/sessions', () => {
  it("lists the agent's sessions, and 404 for an unknown agent", async () => {
    expect(await agentIdsOf('/api/v1/agents/agent-b/sessions')).toEqual(['agent-b', 'agent-b']);
    expect((await api.call('GET', '/api/v1/agents/ghost/sessions')).statusCode).toBe(404);
  });
});

describe('DELETE /api/v1/sessions/:id', () => {
  it('terminates a session (204); it is gone and a second delete is 404', async () => {
    const response = await api.call('DELETE', `/api/v1/sessions/${sessionA}`, { key: api.keys.operator });
    expect(response.statusCode).toBe(204);
    expect(await agentIdsOf('/api/v1/sessions?agentId=agent-a')).toEqual([]);
    expect((await api.call('DELETE', `/api/v1/sessions/${sessionA}`)).statusCode).toBe(404);
  });

  it('refuses a malformed id with 400', async () => {
    expect((await api.call('DELETE', '/api/v1/sessions/%20')).statusCode).toBe(400);
  });
});
