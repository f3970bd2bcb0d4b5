// The admin API over real services on a fresh in-memory SQLite database, for
// the HTTP tests: one API key per role, an inject-based client, and helpers to
// put agents and sessions in place through the services. Not used by the
// running server.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { Role } from '../../features/api-keys/api-key.js';
import type { HeartbeatSample } from '../../features/health/health-model.js';
import { FakeClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { createHttpServer } from './http-server.js';

const QUIET_HEARTBEAT: HeartbeatSample = {
  sequence: 1,
  sentAtMs: 0,
  receivedAtMs: 0,
  cpuPercent: 12.5,
  memoryPercent: 40,
  memoryRssBytes: 50_000_000,
  load1: 0.5,
  queueDepth: 3,
  errorCount: 0,
  uptimeSeconds: 3600,
  appliedConfigRevision: 'c1',
  appliedPolicyRevision: 'p1',
  metrics: { scans: 7 },
};

export interface CallOptions {
  /** The API key to send; `null` sends none. Default: the admin key. */
  readonly key?: string | null;
  readonly body?: unknown;
  /** A raw body sent as is (with its own content-type header). */
  readonly payload?: string | Buffer;
  readonly headers?: Record<string, string>;
}

export interface TestApi {
  readonly app: FastifyInstance;
  readonly t: TestServices;
  readonly clock: FakeClock;
  readonly keys: Readonly<Record<Role, string>>;
  call(method: string, url: string, options?: CallOptions): Promise<LightMyRequestResponse>;
  /** Enrolls an agent through the services (as an agent would over gRPC). */
  enrollAgent(
    agentId: string,
    facts?: Parameters<typeof enrollTestAgent>[2],
  ): Promise<{ agentId: string; credential: string }>;
  /** Opens a session for an enrolled agent. */
  startSession(agentId: string, credential: string): Promise<{ id: string; token: string }>;
  /** Opens a stream for the agent in the tracker and records one heartbeat (in memory, not flushed). */
  connectWithHeartbeat(agentId: string, sample?: Partial<HeartbeatSample>): Promise<void>;
  close(): Promise<void>;
}

export async function openTestApi(options: { rateLimitPerMinute?: number } = {}): Promise<TestApi> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const t = await openTestServices({ clock });
  const keys = {} as Record<Role, string>;
  for (const role of Object.values(Role)) {
    keys[role] = (await t.services.apiKeys.create(t.admin, { name: `test ${role}`, role })).key;
  }
  const app = createHttpServer({
    services: t.services,
    logger: silentLogger,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    version: '0.0.0-test',
  });
  await app.ready();
  return {
    app,
    t,
    clock,
    keys,
    call(method, url, call = {}) {
      const headers: Record<string, string> = { ...call.headers };
      const key = call.key === undefined ? keys.admin : call.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (call.body !== undefined) headers['content-type'] ??= 'application/json';
      const payload = call.payload ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
      return app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
    },
    enrollAgent: (agentId, facts) => enrollTestAgent(t, agentId, facts),
    async startSession(agentId, credential) {
      const issued = await t.services.sessions.authenticate(agentId, credential, '10.0.0.1:5555');
      return { id: issued.session.id, token: issued.token };
    },
    async connectWithHeartbeat(agentId, sample = {}) {
      const live = await t.services.tracker.attach(agentId);
      if (!live) throw new Error(`agent ${agentId} is not active`);
      t.services.tracker.streamOpened(live);
      const now = clock.now();
      t.services.tracker.recordHeartbeat(live, {
        ...QUIET_HEARTBEAT,
        sequence: 1,
        sentAtMs: now,
        receivedAtMs: now,
        ...sample,
      });
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}
