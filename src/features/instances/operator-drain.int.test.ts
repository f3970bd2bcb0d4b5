// An operator drain of one instance, in-process: two Corral instances on one
// PostgreSQL schema (each with its own memory cache and bus; the agents only
// need the shared store), agents given both addresses. The drained instance
// tells its agents to leave in waves (DRAIN_WAVE_SIZE per DRAIN_WAVE_INTERVAL),
// with reason operator_drain; it refuses new streams with UNAVAILABLE and a
// retry delay; the agents reconnect to the other instance; a command
// dispatched to an agent that never acknowledged it before the drain is
// delivered again there and runs once.
import * as grpc from '@grpc/grpc-js';
import { afterEach, expect, it, vi } from 'vitest';
import { AgentClient } from '../../agent/agent-client.js';
import { GrpcAgentRpc } from '../../agent/agent-rpc.js';
import { MemoryIdentityStore } from '../../agent/identity-store.js';
import { retryDelayOf } from '../../agent/status-details.js';
import { startCorral, type RunningCorral } from '../../app/corral.js';
import { loadSettings } from '../../config/settings-loader.js';
import type { ServerMessage__Output } from '../../gen/proto/corral/agent/v1/ServerMessage.js';
import { describeOnPostgres, isolatedPostgresSchema } from '../../infra/store/sql/test-databases.fixtures.js';
import { silentLogger } from '../../shared/logger.js';
import { SYSTEM_PRINCIPAL } from '../api-keys/api-key.js';
import type { RequestContext } from '../audit/audited.js';

const admin: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: null };
const until = (assertion: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 20_000, interval: 25 });
const metrics = () => ({ cpuPercent: 1, memoryPercent: 1, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 });

describeOnPostgres('operator drain of one instance', () => {
  const schema = isolatedPostgresSchema();
  const running: RunningCorral[] = [];
  const clients: AgentClient[] = [];
  const rpcs: GrpcAgentRpc[] = [];

  const start = async (instanceId: string): Promise<RunningCorral> => {
    const corral = await startCorral(
      loadSettings({
        env: {
          INSTANCE_ID: instanceId,
          STORE_URL: schema.url,
          GRPC_SERVER_ADDR: '127.0.0.1:0',
          ADMIN_API_ADDR: '127.0.0.1:0',
          METRICS_ADDR: '127.0.0.1:0',
          HEARTBEAT_INTERVAL: '200ms',
          HEARTBEAT_FLUSH_INTERVAL: '50ms',
          SHUTDOWN_DRAIN_TIMEOUT: '2s',
          DRAIN_WAVE_SIZE: '2',
          DRAIN_WAVE_INTERVAL: '600ms',
          LOG_LEVEL: 'silent',
        },
      }),
      silentLogger,
    );
    running.push(corral);
    return corral;
  };
  const address = (corral: RunningCorral) => `127.0.0.1:${corral.grpcPort}`;
  const agent = (
    serverAddress: string[],
    options: { secret?: string; identity?: MemoryIdentityStore; agentId: string },
  ) => {
    const client = new AgentClient({
      serverAddress,
      ...(options.secret === undefined ? {} : { enrollmentSecret: options.secret }),
      facts: { agentId: options.agentId },
      identityStore: options.identity ?? new MemoryIdentityStore(),
      metrics,
      heartbeatIntervalMs: 200,
      commandFlushIntervalMs: 10,
      backoff: { baseMs: 50, capMs: 500 },
    });
    clients.push(client);
    client.start();
    return client;
  };

  afterEach(async () => {
    for (const rpc of rpcs.splice(0)) rpc.close();
    await Promise.all(clients.splice(0).map((client) => client.stop()));
    for (const corral of running.splice(0)) await corral.stop();
  });

  it('moves every agent to the other instance in waves, and the drained one reports none', async () => {
    const a = await start('drain-a');
    const b = await start('drain-b');
    const { secret } = await a.services.enrollment.create(admin, { name: 'drain' });
    const fleet = Array.from({ length: 5 }, (_, i) =>
      agent([address(a), address(b)], { secret, agentId: `wave-${i}` }),
    );
    await until(() => expect(fleet.every((c) => c.stats.connected)).toBe(true));
    expect(fleet.every((c) => c.stats.serverAddress === address(a))).toBe(true);

    const movedAt = new Map<string, number>();
    for (const client of fleet)
      client.on('connected', ({ agentId, serverAddress }) => {
        if (serverAddress === address(b)) movedAt.set(agentId, Date.now());
      });
    const drainedAt = Date.now();
    await a.services.instances.drain(admin, 'drain-a');
    await until(() => expect(movedAt.size).toBe(5));
    await until(() => expect(a.services.tracker.size).toBe(0));
    expect(fleet.every((c) => c.stats.drains === 1 && c.stats.serverAddress === address(b))).toBe(true);

    // Waves of two, 600 ms apart: the last of five agents is told in the third wave, 1.2 s in, the first at once.
    const offsets = [...movedAt.values()].map((at) => at - drainedAt).sort((x, y) => x - y);
    expect(offsets.at(-1)).toBeGreaterThanOrEqual(1_150);
    expect((offsets.at(-1) ?? 0) - (offsets[0] ?? 0)).toBeGreaterThanOrEqual(600);

    // The count published to presence falls to 0 with the wave after the last agent left.
    await until(async () =>
      expect(await a.services.instances.list()).toMatchObject([
        { instanceId: 'drain-a', state: 'draining', agents: 0 },
      ]),
    );
    expect((await a.services.readiness()).ready).toBe(false);
  });

  it('refuses new streams with UNAVAILABLE and redelivers a command left unacknowledged, which runs once', async () => {
    const a = await start('drain-c');
    const b = await start('drain-d');
    const { secret } = await a.services.enrollment.create(admin, { name: 'drain' });

    // A silent agent on A: it reads what the server sends but never acknowledges a command.
    const rpc = new GrpcAgentRpc({ serverAddress: address(a) });
    rpcs.push(rpc);
    const enrolled = await rpc.enroll({
      enrollmentSecret: secret,
      enrollmentNonce: 'n'.repeat(22),
      facts: { agentId: 'silent-1' },
    });
    const { session } = await rpc.authenticate({ agentId: 'silent-1', credential: enrolled.credential });
    const received: ServerMessage__Output[] = [];
    const call = rpc.connect(session?.token ?? '');
    call.on('data', (message: ServerMessage__Output) => received.push(message));
    call.on('error', () => undefined);
    await until(() => expect(received.some((m) => m.kind === 'connectAck')).toBe(true));

    const { command } = await a.services.commands.create(admin, {
      type: 'status',
      target: { kind: 'agent', agentId: 'silent-1' },
    });
    await until(() => expect(received.some((m) => m.kind === 'commands')).toBe(true));
    expect((await a.services.commands.get(command.id)).status).toBe('dispatched');

    await a.services.instances.drain(admin, 'drain-c');
    await until(() => expect(received.find((m) => m.kind === 'drain')?.drain?.reason).toBe('operator_drain'));
    call.end();

    // A draining instance takes no new stream: UNAVAILABLE, with a retry delay.
    const refused = await new Promise<grpc.ServiceError>((resolve) => {
      const again = rpc.connect(session?.token ?? '');
      again.on('error', resolve);
      again.on('data', () => undefined);
    });
    expect(refused.code).toBe(grpc.status.UNAVAILABLE);
    expect(retryDelayOf(refused)).toBe(1_000);

    // The same agent comes back as a real client with both addresses: A refuses it, B takes it and
    // delivers the command again; it runs once.
    const identity = new MemoryIdentityStore({
      agentId: 'silent-1',
      credential: enrolled.credential,
      serverAddress: address(a),
      enrolledAt: new Date().toISOString(),
    });
    const deliveries: { attempt: number; duplicate: boolean }[] = [];
    const client = agent([address(a), address(b)], { identity, agentId: 'silent-1' });
    client.on('commandReceived', ({ attempt, duplicate }) => deliveries.push({ attempt, duplicate }));
    await until(async () => expect((await b.services.commands.get(command.id)).status).toBe('succeeded'));
    expect(client.stats.serverAddress).toBe(address(b));
    expect(deliveries).toEqual([{ attempt: 2, duplicate: false }]);
    expect(client.stats.commandsSucceeded).toBe(1);
    const stored = await b.services.commands.get(command.id);
    expect(stored.deliveries).toBe(2);
    // Dispatched twice (the first never acknowledged), acknowledged, run and finished once.
    expect(stored.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
  });
});
