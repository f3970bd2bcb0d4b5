import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';

let api: TestApi;
beforeEach(async () => {
  api = await openTestApi();
});
afterEach(() => api.close());

describe('POST /api/admin/maintenance', () => {
  it('switches maintenance mode, shows it in /api/status, and audits it', async () => {
    const on = await api.call('POST', '/api/admin/maintenance', {
      body: { enabled: true, reason: 'kernel upgrade' },
    });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ enabled: true, reason: 'kernel upgrade', since: expect.any(String) });
    expect((await api.call('GET', '/api/status')).json()).toMatchObject({ maintenanceMode: true });
    const off = await api.call('POST', '/api/admin/maintenance', { body: { enabled: false } });
    expect(off.json()).toEqual({ enabled: false, since: null, by: null, reason: null });
    expect((await api.call('GET', '/api/v1/status')).json()).toMatchObject({ maintenanceMode: false });
    const audit = await api.t.services.audit.list({ action: 'maintenance.set' }, { limit: 10 });
    expect(audit.items.map((a) => a.details.enabled)).toEqual([true, false]);
  });

  it('is for admins only, and names what is wrong with a bad body', async () => {
    expect(
      (await api.call('POST', '/api/admin/maintenance', { key: api.keys.operator, body: { enabled: true } }))
        .statusCode,
    ).toBe(403);
    const bad = await api.call('POST', '/api/admin/maintenance', { body: { enabled: 'yes' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['enabled']);
    expect((await api.call('GET', '/api/status')).json()).toMatchObject({ maintenanceMode: false });
  });
});

describe('GET and PUT /api/v1/maintenance', () => {
  it('reads the switch (viewers too) and switches it (admins only)', async () => {
    const read = await api.call('GET', '/api/v1/maintenance', { key: api.keys.viewer });
    expect(read.json()).toEqual({ enabled: false, since: null, by: null, reason: null });
    const refused = await api.call('PUT', '/api/v1/maintenance', {
      key: api.keys.operator,
      body: { enabled: true },
    });
    expect(refused.statusCode).toBe(403);
    const on = await api.call('PUT', '/api/v1/maintenance', { body: { enabled: true, reason: 'patching' } });
    expect(on.statusCode).toBe(200);
    expect((await api.call('GET', '/api/v1/maintenance', { key: api.keys.viewer })).json()).toMatchObject({
      enabled: true,
      reason: 'patching',
    });
  });
});
