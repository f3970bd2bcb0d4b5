// Admin API event route over real services: filters by type, subject and
// time, order, paging, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOf } from '../../transports/http/json-values.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { eventJsonSchema } from './event-json.js';

let api: TestApi;
const listSchema = pageOf(eventJsonSchema);

beforeAll(async () => {
  api = await openTestApi();
  const first = await api.enrollAgent('ev-1');
  api.clock.advance(60_000);
  await api.enrollAgent('ev-2');
  api.clock.advance(60_000);
  await api.startSession(first.agentId, first.credential);
});
afterAll(() => api.close());

const list = async (query: string) => {
  const response = await api.call('GET', `/api/v1/events${query}`, { key: api.keys.viewer });
  expect(response.statusCode, response.body).toBe(200);
  return listSchema.parse(response.json());
};
const summary = async (query: string) =>
  (await list(query)).items.map(
    (e) => `${e.type}:${e.subject.id.startsWith('ev-') ? e.subject.id : 'session'}`,
  );

describe('GET /api/v1/events', () => {
  it('lists newest first by default, oldest first on request', async () => {
    expect(await summary('')).toEqual([
      'session_started:session',
      'agent_registered:ev-2',
      'agent_registered:ev-1',
    ]);
    expect(await summary('?order=asc')).toEqual([
      'agent_registered:ev-1',
      'agent_registered:ev-2',
      'session_started:session',
    ]);
  });

  it('filters by type, subject and time', async () => {
    expect(await summary('?type=session_started,agent_unregistered')).toEqual(['session_started:session']);
    expect(await summary('?subjectId=ev-2')).toEqual(['agent_registered:ev-2']);
    expect(await summary('?since=2026-01-01T00:01:00Z&until=2026-01-01T00:02:00Z')).toEqual([
      'agent_registered:ev-2',
    ]);
  });

  it('shows the envelope with an ISO time', async () => {
    const [event] = (await list('?subjectId=ev-1')).items;
    expect(event).toMatchObject({
      type: 'agent_registered',
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
      actor: 'agent:ev-1',
      subject: { kind: 'agent', id: 'ev-1' },
    });
  });

  it('pages in either order', async () => {
    for (const order of ['asc', 'desc']) {
      const first = await list(`?order=${order}&pageSize=2`);
      const second = await list(`?order=${order}&pageSize=2&pageToken=${first.nextPageToken}`);
      expect([...first.items, ...second.items].map((e) => e.id)).toEqual(
        (await list(`?order=${order}`)).items.map((e) => e.id),
      );
      expect(second.nextPageToken).toBeUndefined();
    }
  });

  it.each([
    ['?type=agent_exploded', 'type'],
    ['?since=yesterday', 'since'],
    ['?until=2026-13-01T00:00:00Z', 'until'],
    ['?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'until'],
    ['?order=random', 'order'],
    ['?subjectId=a%20b', 'subjectId'],
    ['?pageSize=999', 'pageSize'],
    ['?sort=asc', 'sort'],
  ])('refuses %s naming %s', async (query, field) => {
    const response = await api.call('GET', `/api/v1/events${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a page token made for another order', async () => {
    const first = await list('?order=asc&pageSize=1');
    expect(
      (await api.call('GET', `/api/v1/events?order=desc&pageSize=1&pageToken=${first.nextPageToken}`))
        .statusCode,
    ).toBe(400);
  });
});
