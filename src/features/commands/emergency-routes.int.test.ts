import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent } from '../../app/test-services.js';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';

let api: TestApi;
beforeEach(async () => {
  api = await openTestApi();
  await enrollTestAgent(api.t, 'e1', { labels: { site: 'a' } });
  await enrollTestAgent(api.t, 'e2', { labels: { site: 'b' } });
});
afterEach(() => api.close());

const body = (overrides: Record<string, unknown> = {}) => ({
  action: 'isolate',
  scope: { kind: 'fleet' },
  confirm: 'isolate',
  reason: 'ransomware suspected',
  ...overrides,
});

describe('POST /api/v1/commands/emergency', () => {
  it('sends one emergency bulk command to every enrolled agent', async () => {
    const response = await api.call('POST', '/api/v1/commands/emergency', { body: body() });
    expect(response.statusCode).toBe(201);
    const { command, children } = response.json() as {
      command: { id: string; priority: string; type: string };
      children: string[];
    };
    expect(command).toMatchObject({ priority: 'emergency', type: 'isolate' });
    expect(children).toHaveLength(2);
  });

  it('narrows to a selector', async () => {
    const response = await api.call('POST', '/api/v1/commands/emergency', {
      body: body({
        action: 'restart',
        confirm: 'restart',
        scope: { kind: 'selector', labels: { site: 'a' } },
      }),
    });
    expect(response.statusCode).toBe(201);
    expect((response.json() as { children: string[] }).children).toHaveLength(1);
  });

  it("narrows to a group's members, and refuses an unknown group naming it", async () => {
    const web = await api.t.services.groups.create(api.t.admin, { name: 'web', kind: 'static' });
    await api.t.services.groups.addMembers(api.t.admin, web.id, { agentIds: ['e2'] });
    const response = await api.call('POST', '/api/v1/commands/emergency', {
      body: body({ scope: { kind: 'group', groupId: web.id } }),
    });
    expect(response.statusCode, response.body).toBe(201);
    const { command, children } = response.json() as {
      command: { target: unknown; priority: string };
      children: string[];
    };
    expect(command).toMatchObject({ target: { kind: 'group', groupId: web.id }, priority: 'emergency' });
    expect(children).toHaveLength(1);
    expect((await api.t.services.commands.get(children[0] ?? '')).agentId).toBe('e2');
    const unknown = await api.call('POST', '/api/v1/commands/emergency', {
      body: body({ scope: { kind: 'group', groupId: 'ghost' } }),
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors.map((e: { field: string }) => e.field)).toEqual(['target.groupId']);
  });

  it('refuses without the exact confirmation, and from a non-admin, auditing both', async () => {
    const unconfirmed = await api.call('POST', '/api/v1/commands/emergency', {
      body: body({ confirm: 'yes' }),
    });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json().errors.map((e: { field: string }) => e.field)).toEqual(['confirm']);
    const operator = await api.call('POST', '/api/v1/commands/emergency', {
      key: api.keys.operator,
      body: body(),
    });
    expect(operator.statusCode).toBe(403);
    expect((await api.t.services.commands.list({}, { limit: 10, order: 'asc' })).items).toEqual([]);
    const refused = await api.t.services.audit.list({ outcome: 'failure' }, { limit: 10 });
    expect(refused.items.map((a) => a.action).sort()).toEqual(['command.emergency', 'http.post']);
  });
});
