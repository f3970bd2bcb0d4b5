// The live channel over a real WebSocket (ws client, Fastify on a loopback
// port, real services on SQLite in memory, the memory bus): authentication by
// first message, events as they commit, resume after a reconnect, refetch when
// the gap is too large or the client too slow, message validation, key
// revocation, fleet samples, the connection cap and shutdown.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { Role } from '../api-keys/api-key.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { createHttpServer } from '../../transports/http/http-server.js';
import { FleetSampler } from './fleet-sampler.js';
import { connectLive, type LiveMessage, type LiveTestClient } from './live-client.fixtures.js';
import { LiveFeed } from './live-feed.js';
import { DEFAULT_LIVE_LIMITS, type LiveLimits } from './live-session.js';

interface Harness {
  t: TestServices;
  app: FastifyInstance;
  feed: LiveFeed;
  url: string;
  keys: Record<Role, { id: string; key: string }>;
  clients: LiveTestClient[];
  connect(): Promise<LiveTestClient>;
  close(): Promise<void>;
}

const LIMITS: LiveLimits = {
  ...DEFAULT_LIVE_LIMITS,
  helloTimeoutMs: 300,
  replayLimit: 5,
  keyRecheckMs: 200,
  drainCheckMs: 20,
};

async function openHarness(
  options: { limits?: Partial<LiveLimits>; sampleMs?: number; maxConnections?: number } = {},
): Promise<Harness> {
  const t = await openTestServices({ clock: systemClock });
  t.services.relay.start();
  const keys = {} as Harness['keys'];
  for (const role of Object.values(Role)) {
    const created = await t.services.apiKeys.create(t.admin, { name: `live ${role}`, role });
    keys[role] = { id: created.record.id, key: created.key };
  }
  const sampler = new FleetSampler(
    async () => ({
      agents: { total: 1, connected: 0, byStatus: { online: 1 }, byHealth: { healthy: 1 } },
      compliance: { compliant: 1 },
      commands: { created: 3, finished: 2 },
    }),
    systemClock,
    { intervalMs: options.sampleMs ?? 60_000, capacity: 10 },
    () => undefined,
  );
  const feed = new LiveFeed(t.backends.bus, t.services.events, sampler, 'test-instance');
  await feed.start();
  const app = createHttpServer({
    services: t.services,
    logger: silentLogger,
    rateLimitPerMinute: 100_000,
    version: '0.0.0-test',
    liveFeed: feed,
    liveLimits: { ...LIMITS, ...options.limits },
    ...(options.maxConnections === undefined ? {} : { liveMaxConnections: options.maxConnections }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/live`;
  const clients: LiveTestClient[] = [];
  return {
    t,
    app,
    feed,
    url,
    keys,
    clients,
    async connect() {
      const client = await connectLive(url);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await feed.stop();
      await app.close();
      t.services.relay.stop();
      await t.close();
    },
  };
}

const isType = (type: string) => (message: LiveMessage) => message.type === type;
const eventOf = (message: LiveMessage) =>
  message.event as { id: string; type: string; subject: { id: string } };

let h: Harness;
afterEach(() => h.close());

describe('GET /api/v1/live', () => {
  beforeEach(async () => {
    h = await openHarness({ sampleMs: 100 });
  });

  it('welcomes a key with its role and the recent fleet samples, then pushes events as they commit', async () => {
    const client = await h.connect();
    client.send({ type: 'hello', apiKey: h.keys.viewer.key });
    const welcome = await client.next();
    expect(welcome).toMatchObject({
      type: 'welcome',
      protocol: 1,
      principal: { name: 'live viewer', role: 'viewer' },
      instanceId: 'test-instance',
      fleetSampleIntervalMs: 100,
    });
    expect((welcome.samples as unknown[]).length).toBeGreaterThan(0);
    expect(await client.next()).toEqual({ type: 'synced', replayed: 0 });

    await enrollTestAgent(h.t, 'agent-live-1');
    const registered = await client.next((m) => m.type === 'event' && eventOf(m).type === 'agent_registered');
    expect(eventOf(registered).subject.id).toBe('agent-live-1');

    const sample = await client.next(isType('fleet'));
    expect(sample.sample).toMatchObject({
      agents: { total: 1, byStatus: { online: 1 } },
      commands: { created: 3, finished: 2 },
    });
    client.send({ type: 'ping', id: 7 });
    expect(await client.next(isType('pong'))).toEqual({ type: 'pong', id: 7 });
  });

  it('replays the events a client missed after its last event id, then goes on live', async () => {
    const first = await h.connect();
    first.send({ type: 'hello', apiKey: h.keys.operator.key });
    await first.next(isType('synced'));
    await enrollTestAgent(h.t, 'agent-before');
    const seen = eventOf(
      await first.next((m) => m.type === 'event' && eventOf(m).type === 'agent_registered'),
    );
    await first.close();

    await enrollTestAgent(h.t, 'agent-missed-1');
    await enrollTestAgent(h.t, 'agent-missed-2');

    const again = await h.connect();
    again.send({ type: 'hello', apiKey: h.keys.operator.key, lastEventId: seen.id });
    await again.next(isType('welcome'));
    const synced = await again.next(isType('synced'));
    const replayed = again.messages.filter(isType('event')).map(eventOf);
    expect(synced.replayed).toBe(replayed.length);
    expect(replayed.filter((e) => e.type === 'agent_registered').map((e) => e.subject.id)).toEqual([
      'agent-missed-1',
      'agent-missed-2',
    ]);
    expect(replayed.every((e) => e.id > seen.id)).toBe(true);
    expect(again.messages.some(isType('refetch'))).toBe(false);

    await enrollTestAgent(h.t, 'agent-after');
    const live = await again.next((m) => m.type === 'event' && eventOf(m).subject.id === 'agent-after');
    expect(eventOf(live).type).toBe('agent_registered');
  });

  it('tells a client that missed more than the replay bound to refetch', async () => {
    const first = await h.connect();
    first.send({ type: 'hello', apiKey: h.keys.viewer.key });
    await first.next(isType('synced'));
    await enrollTestAgent(h.t, 'agent-0');
    const seen = eventOf(await first.next(isType('event')));
    await first.close();
    for (let i = 1; i <= 6; i++) await enrollTestAgent(h.t, `agent-${i}`);

    const again = await h.connect();
    again.send({ type: 'hello', apiKey: h.keys.viewer.key, lastEventId: seen.id });
    expect(await again.next((m) => m.type !== 'welcome' && m.type !== 'fleet')).toEqual({
      type: 'refetch',
      reason: 'gap_too_large',
    });
    expect(await again.next(isType('synced'))).toEqual({ type: 'synced', replayed: 0 });
  });

  it('is documented in the OpenAPI document', async () => {
    const document = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const operation = document.paths['/api/v1/live'].get;
    expect(operation.tags).toEqual(['live']);
    expect(operation.description).toContain('"type":"hello"');
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['101', '426']));
  });

  it('answers a plain GET with 426 and a problem', async () => {
    const address = h.app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${address.port}/api/v1/live`);
    expect(response.status).toBe(426);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'upgrade_required' });
  });
});

describe('GET /api/v1/live refuses', () => {
  beforeEach(async () => {
    h = await openHarness();
  });

  it.each([
    ['a message that is not JSON', 'hello there', 4400, /not JSON/],
    ['an unknown message type', { type: 'subscribe' }, 4400, /type must be hello or ping/],
    ['a hello with an unknown field', { type: 'hello', apiKey: 'x', extra: 1 }, 4400, /extra/],
    ['a malformed last event id', { type: 'hello', apiKey: 'x', lastEventId: '../1' }, 4400, /lastEventId/],
    ['a ping before hello', { type: 'ping' }, 4400, /send hello first/],
    ['an unknown key', { type: 'hello', apiKey: 'cak_not-a-real-key-at-all-0000000' }, 4401, /API key/],
  ])('%s (closed with %i)', async (_what, message, code, reason) => {
    const client = await h.connect();
    client.send(message);
    const closed = await client.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    expect(client.messages).toEqual([]);
  });

  it('a client that says nothing within the hello timeout', async () => {
    const client = await h.connect();
    expect(await client.closed).toEqual({ code: 4401, reason: 'no hello within the hello timeout' });
  });

  it('a second hello', async () => {
    const client = await h.connect();
    client.send({ type: 'hello', apiKey: h.keys.viewer.key });
    await client.next(isType('synced'));
    client.send({ type: 'hello', apiKey: h.keys.viewer.key });
    expect((await client.closed).code).toBe(4400);
  });

  it('a key revoked while connected, at its next check', async () => {
    const client = await h.connect();
    client.send({ type: 'hello', apiKey: h.keys.viewer.key });
    await client.next(isType('synced'));
    await h.t.services.apiKeys.revoke(h.t.admin, h.keys.viewer.id);
    expect(await client.closed).toMatchObject({
      code: 4401,
      reason: 'the API key was revoked or has expired',
    });
  });

  it('an address that presented too many bad keys (4429), even with a good one', async () => {
    for (let i = 0; i < 30; i++) {
      const bad = await h.connect();
      bad.send({ type: 'hello', apiKey: `cak_bad-key-number-${i}-0000000000000` });
      expect((await bad.closed).code).toBe(4401);
    }
    const client = await h.connect();
    client.send({ type: 'hello', apiKey: h.keys.admin.key });
    expect((await client.closed).code).toBe(4429);
  });
});

describe('GET /api/v1/live bounds', () => {
  it('drops events for a client that does not read, then tells it to refetch once it has caught up', async () => {
    h = await openHarness({ limits: { maxBufferedBytes: 256 * 1024, resumeBufferedBytes: 16 * 1024 } });
    const client = await h.connect();
    client.send({ type: 'hello', apiKey: h.keys.viewer.key });
    await client.next(isType('synced'));
    // The client stops reading: the kernel buffers fill, then the server's send buffer.
    const raw = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const big = 'x'.repeat(64 * 1024);
    const published = 400; // 25 MiB: far beyond the loopback buffers and the 256 KiB bound
    const events = Array.from({ length: published }, (_, i) => ({
      id: `01J${String(i).padStart(23, '0')}`,
      type: 'agent_updated' as const,
      schemaVersion: 1,
      occurredAt: Date.now(),
      subject: { kind: 'agent' as const, id: `slow-${i}` },
      actor: 'system',
      data: { padding: big },
    }));
    await h.t.backends.bus.publish(events);
    raw.resume();
    const refetch = await client.next(isType('refetch'), 15_000);
    expect(refetch).toEqual({ type: 'refetch', reason: 'slow_consumer' });
    const delivered = client.messages.filter(isType('event')).length;
    expect(delivered).toBeLessThan(published);
  });

  it('refuses connections beyond the cap with 4503', async () => {
    h = await openHarness({ maxConnections: 1 });
    const first = await h.connect();
    const second = await h.connect();
    expect((await second.closed).code).toBe(4503);
    first.send({ type: 'hello', apiKey: h.keys.viewer.key });
    await first.next(isType('synced'));
  });

  it('closes live sockets with 1001 when the feed stops', async () => {
    h = await openHarness();
    const client = await h.connect();
    client.send({ type: 'hello', apiKey: h.keys.viewer.key });
    await client.next(isType('synced'));
    await h.feed.stop();
    expect(await client.closed).toEqual({ code: 1001, reason: 'the server is stopping' });
  });
});
