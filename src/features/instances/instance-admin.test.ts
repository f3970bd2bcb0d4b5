// Drain and resume through any instance: two instances on one in-memory
// network and presence, each with its own InstanceDrain over fake streams. A
// request names an instance; the one answering applies it when it is itself,
// passes it on otherwise; an instance that is not live is not_found. Every
// request is audited, refused ones included.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';
import { MemoryInstanceNetwork } from '../../infra/bus/memory-instance-messenger.js';
import { MemoryPresence } from '../../infra/coordination/memory-presence.js';
import { FakeClock } from '../../shared/clock.js';
import { InstanceAdmin } from './instance-admin.js';
import { InstanceDrain, type DrainableStreams } from './instance-drain.js';
import { InstanceSignals } from './instance-signals.js';

const streams = (): DrainableStreams & { refusing: boolean } => ({
  refusing: false,
  refuseNewStreams(refuse) {
    this.refusing = refuse;
  },
  drainSome: () => 0,
  connectedCount: () => 0,
});
const pace = { waveSize: 10, waveIntervalMs: 1_000, graceMs: 1_000, retryAfterMs: 1_000 };

describe('InstanceAdmin', () => {
  let t: TestServices;
  let clock: FakeClock;
  let nodes: Map<string, { admin: InstanceAdmin; drain: InstanceDrain; signals: InstanceSignals }>;

  beforeEach(async () => {
    t = await openTestServices();
    clock = new FakeClock();
    const presence = new MemoryPresence(clock);
    const network = new MemoryInstanceNetwork();
    nodes = new Map();
    for (const id of ['i-1', 'i-2']) {
      await presence.heartbeatInstance(
        id,
        { agents: 3, address: `${id}:50051`, startedAt: 0, version: '1' },
        60_000,
      );
      const drain = new InstanceDrain(streams, pace, clock);
      const signals = new InstanceSignals(presence, network.join(id), {
        holdsAgent: () => false,
        receivers: {
          workArrived: () => undefined,
          cancelArrived: () => undefined,
          capabilityWorkArrived: () => undefined,
          desiredStateChanged: () => undefined,
          drainRequested: (by) => drain.drain(by),
          resumeRequested: () => drain.resume(),
        },
        onError: (error) => {
          throw error;
        },
      });
      await signals.start();
      nodes.set(id, {
        drain,
        signals,
        admin: new InstanceAdmin({ instanceId: id, presence, drain, signals, auditor: t.services.auditor }),
      });
    }
  });
  afterEach(async () => {
    for (const node of nodes.values()) node.drain.close();
    await t.close();
  });
  const node = (id: string) => nodes.get(id) as NonNullable<ReturnType<typeof nodes.get>>;

  it('drains and resumes the instance answering, at once', async () => {
    await expect(node('i-1').admin.drain(t.admin, 'i-1')).resolves.toEqual({
      instanceId: 'i-1',
      state: 'draining',
    });
    expect(node('i-1').drain.current).toMatchObject({ state: 'draining', by: 'api_key:test-admin' });
    expect((await node('i-1').admin.list()).map((i) => [i.instanceId, i.state])).toEqual([
      ['i-1', 'draining'],
      ['i-2', 'serving'],
    ]);
    await node('i-1').admin.resume(t.admin, 'i-1');
    expect(node('i-1').drain.isDraining).toBe(false);
  });

  it('passes a request for another live instance to it', async () => {
    await expect(node('i-1').admin.drain(t.admin, 'i-2')).resolves.toEqual({
      instanceId: 'i-2',
      state: 'draining',
    });
    expect(node('i-2').drain.current).toMatchObject({ state: 'draining', by: 'api_key:test-admin' });
    expect(node('i-1').drain.isDraining).toBe(false);
    await node('i-1').admin.resume(t.admin, 'i-2');
    expect(node('i-2').drain.isDraining).toBe(false);
  });

  it('refuses an instance that is not live with not_found, and audits every request', async () => {
    await expect(node('i-1').admin.drain(t.admin, 'i-9')).rejects.toMatchObject({ code: 'not_found' });
    await node('i-1').admin.drain(t.admin, 'i-2');
    const audit = await t.services.audit.list({}, { limit: 10 });
    expect(
      audit.items
        .filter((e) => e.targetKind === 'instance')
        .map((e) => [e.action, e.targetId, e.outcome, e.errorCode, e.details]),
    ).toEqual([
      ['instance.drain', 'i-9', 'failure', 'not_found', { routed: 'signal' }],
      ['instance.drain', 'i-2', 'success', null, { routed: 'signal' }],
    ]);
  });
});
