// Admin API fleet routes over real services: statistics and status (v1 and
// the seed's /api/status).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { fleetStatisticsJsonSchema, systemStatusJsonSchema } from './fleet-json.js';

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
  await api.enrollAgent('s-1', { type: 'blocking', version: '2.0.0' });
  await api.enrollAgent('s-2', { type: 'monitoring', version: '2.0.0' });
  await api.connectWithHeartbeat('s-1');
  await api.t.services.tracker.flush();
});
afterAll(() => api.close());

describe('fleet routes', () => {
  it('counts agents by status, health, type and version', async () => {
    const response = await api.call('GET', '/api/v1/fleet/statistics', { key: api.keys.viewer });
    const stats = fleetStatisticsJsonSchema.parse(response.json());
    expect(stats).toMatchObject({
      total: 2,
      byType: { blocking: 1, monitoring: 1 },
      byVersion: { '2.0.0': 2 },
    });
    expect(stats.byStatus).toMatchObject({ online: 1, offline: 1 });
  });

  it("reports status at /api/v1/status and the seed's /api/status", async () => {
    const v1 = await api.call('GET', '/api/v1/status', { key: api.keys.viewer });
    const status = systemStatusJsonSchema.parse(v1.json());
    expect(status).toMatchObject({
      service: 'corral',
      maintenanceMode: false,
      backends: { store: 'sqlite' },
      fleet: { total: 2 },
    });
    expect(status.startedAt).toBe('2026-01-01T00:00:00.000Z');
    const seed = await api.call('GET', '/api/status', { key: api.keys.viewer });
    expect(seed.json()).toEqual(v1.json());
    expect((await api.call('GET', '/api/status', { key: null })).statusCode).toBe(401);
  });

  it('lists the live instances from presence with their agent counts', async () => {
    const empty = systemStatusJsonSchema.parse((await api.call('GET', '/api/v1/status')).json());
    expect(empty.instances).toEqual([]);
    const presence = api.t.backends.presence;
    const info = { address: '10.0.0.2:50051', startedAt: 0, version: '9.9.9' };
    await presence.heartbeatInstance('node-b', { ...info, agents: 7 }, 60_000);
    await presence.heartbeatInstance('node-a', { ...info, agents: 3 }, 60_000);
    const status = systemStatusJsonSchema.parse((await api.call('GET', '/api/v1/status')).json());
    expect(status.instances.map((i) => [i.instanceId, i.agents, i.address])).toEqual([
      ['node-a', 3, '10.0.0.2:50051'],
      ['node-b', 7, '10.0.0.2:50051'],
    ]);
    await presence.removeInstance('node-a');
    await presence.removeInstance('node-b');
  });

  it('refuses unknown query parameters', async () => {
    expect((await api.call('GET', '/api/v1/fleet/statistics?detail=1')).statusCode).toBe(400);
    expect((await api.call('GET', '/api/v1/status?x=1')).statusCode).toBe(400);
  });
});
