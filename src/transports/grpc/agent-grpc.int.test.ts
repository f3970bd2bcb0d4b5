import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentServiceClient } from '../../gen/proto/corral/agent/v1/AgentService.js';
import type { AgentMessage } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { Heartbeat } from '../../gen/proto/corral/agent/v1/Heartbeat.js';
import type { ServerMessage__Output } from '../../gen/proto/corral/agent/v1/ServerMessage.js';
import { startGrpcHarness, statusDetails, type GrpcHarness } from './grpc-test-harness.js';
import { loadAgentProto } from './proto-loader.js';

let h: GrpcHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/* eslint-disable @typescript-eslint/no-explicit-any -- the generated client methods are overloaded */
type UnaryMethod = (
  req: any,
  md: grpc.Metadata,
  cb: (e: grpc.ServiceError | null, r?: any) => void,
) => unknown;
/* eslint-enable @typescript-eslint/no-explicit-any */
const unary = <Req, Res>(fn: UnaryMethod, req: Req, md = new grpc.Metadata(), options?: grpc.CallOptions) =>
  new Promise<Res>((resolve, reject) => {
    const done = (error: grpc.ServiceError | null, res?: unknown) =>
      error ? reject(error) : resolve(res as Res);
    if (options)
      (fn as unknown as (r: Req, m: grpc.Metadata, o: grpc.CallOptions, cb: typeof done) => unknown)(
        req,
        md,
        options,
        done,
      );
    else fn(req, md, done);
  });
const rejection = async (promise: Promise<unknown>): Promise<grpc.ServiceError> => {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
};

const heartbeat = (sequence: number, extra: Partial<Heartbeat> = {}): Heartbeat => ({
  sequence,
  sentAtMs: Date.now(),
  cpuPercent: 12,
  memoryPercent: 30,
  load1: 0.2,
  uptimeSeconds: 5,
  ...extra,
});

/** A Connect stream with an async queue of what the server sent and how it ended. */
function connect(client: AgentServiceClient, metadata: grpc.Metadata) {
  const call = client.Connect(metadata);
  const received: ServerMessage__Output[] = [];
  let waiters: (() => void)[] = [];
  let ended: { error?: grpc.ServiceError } | undefined;
  const wake = () => {
    const current = waiters;
    waiters = [];
    current.forEach((w) => w());
  };
  call.on('data', (m: ServerMessage__Output) => {
    received.push(m);
    wake();
  });
  call.on('error', (error: grpc.ServiceError) => {
    ended = { error };
    wake();
  });
  call.on('end', () => {
    ended ??= {};
    wake();
  });
  const until = async <T>(check: () => T | undefined, what: string): Promise<T> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(received.map((m) => m.kind))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return {
    call,
    received,
    until,
    send: (message: AgentMessage) => call.write(message),
    next: (kind: NonNullable<ServerMessage__Output['kind']>, index = 0) =>
      until(() => received.filter((m) => m.kind === kind)[index], kind),
    ended: () => until(() => ended, 'the stream to end'),
  };
}

describe('gRPC AgentService', () => {
  it('enrolls, authenticates, streams heartbeats and acknowledges them cumulatively once stored', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { secret } = await h.t.services.enrollment.create(h.t.admin, { name: 'grpc' });
    const enrolled = await unary<object, { agentId: string; credential: string }>(
      client.Enroll.bind(client),
      {
        enrollmentSecret: secret,
        facts: {
          agentId: 'g1',
          name: 'g1',
          hostname: 'h',
          ipAddress: '10.1.2.3',
          version: '1.0',
          type: 'scanner',
          capabilities: ['scan'],
          labels: { zone: 'a' },
        },
      },
    );
    expect(enrolled.agentId).toBe('g1');
    const auth = await unary<object, { session: { token: string; expiresAtMs: number } }>(
      client.Authenticate.bind(client),
      { agentId: 'g1', credential: enrolled.credential },
    );
    expect(auth.session.expiresAtMs).toBeGreaterThan(Date.now());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${auth.session.token}`);
    const stream = connect(client, metadata);
    expect((await stream.next('connectAck')).connectAck).toMatchObject({
      agentId: 'g1',
      serverInstance: 'test-instance',
      settings: { heartbeatIntervalMs: 1000 },
    });
    for (let i = 1; i <= 3; i++) stream.send({ heartbeat: heartbeat(i) });
    // An ack means "stored": by the time sequence 3 is acknowledged, the row says so.
    await stream.until(
      () => stream.received.find((m) => m.heartbeatAck?.sequence === 3),
      'the ack of heartbeat 3',
    );
    expect(await h.t.services.agents.get('g1')).toMatchObject({
      status: 'online',
      health: 'healthy',
      lastHeartbeat: { sequence: 3 },
    });
    const acked = stream.received.flatMap((m) => (m.heartbeatAck ? [m.heartbeatAck.sequence] : []));
    expect(acked).toEqual([...acked].sort((a, b) => a - b));
    expect(h.hub.isConnected('g1')).toBe(true);
    stream.call.end();
    await stream.ended();
    await expect.poll(() => h?.hub.isConnected('g1')).toBe(false);
    await h.t.services.tracker.flush();
    expect((await h.t.services.agents.get('g1')).status).toBe('offline');
  });

  it('ends the stream with INVALID_ARGUMENT naming the field of a malformed heartbeat, storing nothing', async () => {
    h = await startGrpcHarness();
    const { metadata } = await h.agentSession('g1');
    const stream = connect(h.client(), metadata);
    await stream.next('connectAck');
    stream.send({ heartbeat: heartbeat(1, { cpuPercent: 250, memoryPercent: -1 }) });
    const { error } = await stream.ended();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const details = statusDetails(error as grpc.ServiceError);
    expect(details.reason).toBe('invalid_argument');
    expect(details.fieldViolations.map((v) => v.field)).toEqual([
      'heartbeat.cpu_percent',
      'heartbeat.memory_percent',
    ]);
    await h.t.services.tracker.flush();
    expect((await h.t.services.agents.get('g1')).lastSeenAt).toBeNull();
  });

  it('refuses text holding U+0000 in a request or a stream message with INVALID_ARGUMENT naming the field', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { secret } = await h.t.services.enrollment.create(h.t.admin, { name: 'nul' });
    const enrolled = await rejection(
      unary(client.Enroll.bind(client), {
        enrollmentSecret: secret,
        facts: { agentId: 'nul-agent', hostname: 'web\u00001' },
      }),
    );
    expect(enrolled.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(statusDetails(enrolled).fieldViolations.map((v) => v.field)).toEqual(['facts.hostname']);
    await expect(h.t.services.agents.get('nul-agent')).rejects.toThrow(/not found/);
    const { metadata } = await h.agentSession('g1');
    const stream = connect(h.client(), metadata);
    await stream.next('connectAck');
    stream.send({ heartbeat: heartbeat(1, { metrics: { 'queue\u0000depth': 1 } }) });
    const { error } = await stream.ended();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(statusDetails(error as grpc.ServiceError).fieldViolations.map((v) => v.field)).toEqual([
      'heartbeat.metrics."queue\\u0000depth"',
    ]);
  });

  it('ignores message kinds it does not know (newer agents)', async () => {
    h = await startGrpcHarness();
    const { metadata } = await h.agentSession('g1');
    const stream = connect(h.client(), metadata);
    await stream.next('connectAck');
    stream.send({});
    stream.send({ heartbeat: heartbeat(1) });
    expect((await stream.next('heartbeatAck')).heartbeatAck?.sequence).toBe(1);
  });

  it('refuses a stream without a token, with an unknown token, and a heartbeat for another agent', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const none = connect(client, new grpc.Metadata());
    expect((await none.ended()).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    const forged = new grpc.Metadata();
    forged.set('authorization', `Bearer cas_${'x'.repeat(43)}`);
    expect((await connect(client, forged).ended()).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    const { metadata } = await h.agentSession('g1');
    await h.agentSession('g2');
    const error = await rejection(
      unary(client.Heartbeat.bind(client), { heartbeat: heartbeat(1, { agentId: 'g2' }) }, metadata),
    );
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('takes unary heartbeats from agents that cannot stream', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { metadata } = await h.agentSession('g1');
    const response = await unary<
      object,
      { ack: { sequence: number; health: string }; settings: { heartbeatIntervalMs: number } }
    >(client.Heartbeat.bind(client), { heartbeat: heartbeat(4) }, metadata);
    expect(response.ack).toEqual({ sequence: 4, health: 'healthy' });
    const missing = await rejection(unary(client.Heartbeat.bind(client), {}, metadata));
    expect(missing.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(statusDetails(missing).fieldViolations.map((v) => v.field)).toEqual(['heartbeat']);
  });

  it('refreshes and terminates sessions; the old token stops working', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { metadata } = await h.agentSession('g1');
    const refreshed = await unary<object, { session: { token: string } }>(
      client.RefreshSession.bind(client),
      {},
      metadata,
    );
    expect(
      (await rejection(unary(client.Heartbeat.bind(client), { heartbeat: heartbeat(1) }, metadata))).code,
    ).toBe(grpc.status.UNAUTHENTICATED);
    const fresh = new grpc.Metadata();
    fresh.set('authorization', `Bearer ${refreshed.session.token}`);
    await unary(client.TerminateSession.bind(client), { reason: 'bye' }, fresh);
    expect(
      (await rejection(unary(client.Heartbeat.bind(client), { heartbeat: heartbeat(1) }, fresh))).code,
    ).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('answers enrollment errors with the right codes', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const bad = await rejection(
      unary(client.Enroll.bind(client), { enrollmentSecret: 'nope', facts: { agentId: 'x' } }),
    );
    expect(bad.code).toBe(grpc.status.UNAUTHENTICATED);
    await h.agentSession('g1');
    const { secret } = await h.t.services.enrollment.create(h.t.admin, { name: 'again' });
    const dup = await rejection(
      unary(client.Enroll.bind(client), { enrollmentSecret: secret, facts: { agentId: 'g1' } }),
    );
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);
    const malformed = await rejection(
      unary(client.Enroll.bind(client), {
        enrollmentSecret: secret,
        facts: { agentId: 'ok', ipAddress: 'not-an-ip', labels: { 'bad key!': 'v' } },
      }),
    );
    expect(malformed.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(
      statusDetails(malformed)
        .fieldViolations.map((v) => v.field)
        .sort(),
    ).toEqual(['facts.ip_address', 'facts.labels.bad key!']);
  });

  it('answers an enrollment sent again with the same nonce, and refuses a malformed nonce', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { secret } = await h.t.services.enrollment.create(h.t.admin, { name: 'retry' });
    const request = { enrollmentSecret: secret, facts: { agentId: 'r1' }, enrollmentNonce: 'A'.repeat(24) };
    type Enrolled = { agentId: string; credential: string };
    const lost = await unary<object, Enrolled>(client.Enroll.bind(client), request);
    const again = await unary<object, Enrolled>(client.Enroll.bind(client), request);
    expect(again.agentId).toBe('r1');
    expect(again.credential).toMatch(/^cac_/);
    expect(again.credential).not.toBe(lost.credential);
    const malformed = await rejection(
      unary(client.Enroll.bind(client), { ...request, facts: { agentId: 'r2' }, enrollmentNonce: 'short' }),
    );
    expect(malformed.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(statusDetails(malformed).fieldViolations.map((v) => v.field)).toEqual(['enrollment_nonce']);
  });

  it('refuses oversize messages without harm', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { metadata } = await h.agentSession('g1');
    const error = await rejection(
      unary(
        client.Heartbeat.bind(client),
        { heartbeat: heartbeat(1, { appliedConfigRevision: 'x'.repeat(2 * 1024 * 1024) }) },
        metadata,
      ),
    );
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await expect(
      unary(client.Heartbeat.bind(client), { heartbeat: heartbeat(2) }, metadata),
    ).resolves.toBeDefined();
  });

  it('refuses streams beyond the limit with RESOURCE_EXHAUSTED and a retry delay', async () => {
    h = await startGrpcHarness({ maxStreams: 1 });
    const client = h.client();
    const first = connect(client, (await h.agentSession('g1')).metadata);
    await first.next('connectAck');
    const second = connect(client, (await h.agentSession('g2')).metadata);
    const { error } = await second.ended();
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(statusDetails(error as grpc.ServiceError).retryDelayMs).toBe(5000);
  });

  it('drains an older stream when the same agent connects again', async () => {
    h = await startGrpcHarness();
    const client = h.client();
    const { metadata } = await h.agentSession('g1');
    const first = connect(client, metadata);
    await first.next('connectAck');
    const second = connect(client, metadata);
    await second.next('connectAck');
    expect((await first.next('drain')).drain?.reason).toMatch(/newer connection/);
    await first.ended();
    second.send({ heartbeat: heartbeat(1) });
    await second.next('heartbeatAck');
    expect(h.hub.connectedCount()).toBe(1);
  });

  it('warns before the session expires and ends the stream when it has', async () => {
    h = await startGrpcHarness({ sessionTtlMs: 1500, expiryNoticeMs: 1000 });
    const { metadata } = await h.agentSession('g1');
    const stream = connect(h.client(), metadata);
    await stream.next('connectAck');
    expect((await stream.next('sessionExpiring')).sessionExpiring?.expiresAtMs).toBeGreaterThan(Date.now());
    expect((await stream.ended()).error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('closes the stream of an agent that is unregistered', async () => {
    h = await startGrpcHarness();
    const { metadata } = await h.agentSession('g1');
    const stream = connect(h.client(), metadata);
    await stream.next('connectAck');
    await h.t.services.agents.unregister(h.t.admin, 'g1');
    expect((await stream.next('drain')).drain?.reason).toBe('unregistered');
    await stream.ended();
    expect((await connect(h.client(), metadata).ended()).error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('serves agents over TLS when configured, and refuses plaintext clients', async () => {
    h = await startGrpcHarness({ tls: true });
    const { metadata } = await h.agentSession('g1');
    const client = h.client();
    const response = await unary<object, { ack: { sequence: number } }>(
      client.Heartbeat.bind(client),
      { heartbeat: heartbeat(1) },
      metadata,
    );
    expect(response.ack.sequence).toBe(1);
    const proto = loadAgentProto();
    const plaintext = new proto.corral.agent.v1.AgentService(h.address, grpc.credentials.createInsecure());
    const error = await rejection(
      unary(plaintext.Heartbeat.bind(plaintext), { heartbeat: heartbeat(2) }, metadata, {
        deadline: Date.now() + 3000,
      }),
    );
    plaintext.close();
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(error.code);
  });

  it('sends a drain notice to every stream on stop and reports NOT_SERVING', async () => {
    h = await startGrpcHarness();
    const stream = connect(h.client(), (await h.agentSession('g1')).metadata);
    await stream.next('connectAck');
    const stopping = h.server.stop();
    const drain = await stream.next('drain');
    expect(drain.drain?.reason).toBe('server shutting down');
    stream.call.end();
    await stopping;
    await stream.ended();
  });
});
