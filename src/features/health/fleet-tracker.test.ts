import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { CorralError } from '../../shared/errors.js';
import { EventType } from '../events/event.js';
import { EventFactory } from '../events/event-factory.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import { DEFAULT_TRACKER_SETTINGS, FleetTracker } from './fleet-tracker.js';
import type { HeartbeatSample } from './health-model.js';
import { StalenessSweep } from './staleness-sweep.js';

let t: TestServices;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
});
afterEach(() => t.close());

const sample = (sequence: number, overrides: Partial<HeartbeatSample> = {}): HeartbeatSample => ({
  sequence,
  sentAtMs: clock.now(),
  receivedAtMs: clock.now(),
  cpuPercent: 10,
  memoryPercent: 20,
  memoryRssBytes: 1000,
  load1: 0.5,
  queueDepth: 0,
  errorCount: 0,
  uptimeSeconds: sequence,
  appliedConfigRevision: '',
  appliedPolicyRevision: '',
  metrics: {},
  ...overrides,
});

/** A staleness sweep with AGENT_TIMEOUT 30 s and MAX_INACTIVE_TIME 2 min. */
const sweepFor = (tracker: FleetTracker) =>
  new StalenessSweep(t.backends.db, tracker, new EventFactory(new TimeOrderedIds(clock), clock), clock, {
    agentTimeoutMs: 30_000,
    maxInactiveMs: 120_000,
  });

const eventsOf = async (type: string) =>
  (await t.services.events.list({ types: [type as EventType] }, { limit: 500, order: 'asc' })).items;

describe('FleetTracker', () => {
  it('keeps heartbeats in memory and writes one row per agent per flush', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const tracker = t.services.tracker;
    const agent = await tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    for (let i = 1; i <= 5; i++) {
      clock.advance(1000);
      tracker.recordHeartbeat(agent, sample(i));
    }
    expect((await t.services.agents.get(agentId)).lastSeenAt).toBeNull();
    expect(await tracker.flush()).toBe(1);
    const stored = await t.services.agents.get(agentId);
    expect(stored.status).toBe('online');
    expect(stored.health).toBe('healthy');
    expect(stored.lastSeenAt).toBe(clock.now());
    expect(stored.lastHeartbeat?.sequence).toBe(5);
    expect(await tracker.flush()).toBe(0);
  });

  it('acknowledges a replayed heartbeat without applying it', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const agent = await t.services.tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    t.services.tracker.recordHeartbeat(agent, sample(7));
    const replay = t.services.tracker.recordHeartbeat(agent, sample(3, { cpuPercent: 99 }));
    expect(replay).toMatchObject({ duplicate: true, sequence: 7 });
    expect(agent.lastSample?.cpuPercent).toBe(10);
  });

  it('changes health only after three agreeing heartbeats and raises one event', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const agent = await t.services.tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    const tracker = t.services.tracker;
    tracker.recordHeartbeat(agent, sample(1));
    const outcomes = [2, 3, 4].map((seq) => {
      clock.advance(1000);
      return tracker.recordHeartbeat(agent, sample(seq, { cpuPercent: 99 })).health;
    });
    expect(outcomes).toEqual(['healthy', 'healthy', 'unhealthy']);
    await tracker.flush();
    const changes = await eventsOf(EventType.AgentHealthChanged);
    expect(changes.map((e) => e.data)).toEqual([
      { from: 'unknown', to: 'healthy', reasons: [] },
      { from: 'healthy', to: 'unhealthy', reasons: ['cpu_percent 99 >= 97'] },
    ]);
    expect((await t.services.agents.get(agentId)).healthReasons).toEqual(['cpu_percent 99 >= 97']);
  });

  it('samples agent_heartbeat events: one per agent per interval', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const agent = await t.services.tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    for (let i = 1; i <= 10; i++) {
      clock.advance(60_000);
      t.services.tracker.recordHeartbeat(agent, sample(i));
    }
    await t.services.tracker.flush();
    // 10 minutes of heartbeats with the default 5-minute sampling interval.
    expect(await eventsOf(EventType.AgentHeartbeat)).toHaveLength(2);
  });

  it('refuses heartbeats with a retry delay when too many agents wait to be written', async () => {
    const tracker = new FleetTracker(
      t.backends.db,
      new EventFactory(new TimeOrderedIds(clock), clock),
      clock,
      { ...DEFAULT_TRACKER_SETTINGS, maxPendingAgents: 1 },
    );
    await enrollTestAgent(t, 'a1');
    await enrollTestAgent(t, 'a2');
    const a1 = await tracker.attach('a1');
    const a2 = await tracker.attach('a2');
    if (!a1 || !a2) throw new Error('not attached');
    tracker.recordHeartbeat(a1, sample(1));
    tracker.recordHeartbeat(a1, sample(2)); // the same agent again is fine
    let refused: unknown;
    try {
      tracker.recordHeartbeat(a2, sample(1));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(CorralError);
    expect(refused).toMatchObject({ code: 'resource_exhausted', retryAfterMs: 1000 });
    await tracker.flush();
    expect(tracker.recordHeartbeat(a2, sample(1)).duplicate).toBe(false);
  });

  it('goes offline when the stream closes, inactive after MAX_INACTIVE_TIME, and online again on a heartbeat', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const tracker = t.services.tracker;
    const sweep = sweepFor(tracker);
    const agent = await tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    tracker.streamOpened(agent);
    tracker.recordHeartbeat(agent, sample(1));
    tracker.streamClosed(agent);
    await tracker.flush();
    expect((await t.services.agents.get(agentId)).status).toBe('offline');
    clock.advance(60_000);
    expect(await sweep.run()).toEqual([]);
    clock.advance(61_000);
    expect((await sweep.run()).map((m) => [m.id, m.from, m.to])).toEqual([[agentId, 'offline', 'inactive']]);
    expect((await t.services.agents.get(agentId)).status).toBe('inactive');
    expect(await eventsOf(EventType.AgentInactive)).toHaveLength(1);
    const back = await tracker.attach(agentId);
    if (!back) throw new Error('not attached');
    tracker.recordHeartbeat(back, sample(2));
    await tracker.flush();
    expect((await t.services.agents.get(agentId)).status).toBe('online');
  });

  it('marks a silent but connected agent offline after AGENT_TIMEOUT', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const tracker = t.services.tracker;
    const sweep = sweepFor(tracker);
    const agent = await tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    tracker.streamOpened(agent);
    tracker.recordHeartbeat(agent, sample(1));
    clock.advance(31_000);
    expect((await sweep.run()).map((m) => m.to)).toEqual(['offline']);
    expect(agent.status).toBe('offline');
  });

  it('retries loading an agent after a failed read', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const tracker = t.services.tracker;
    const realGet = t.backends.db.agents.get.bind(t.backends.db.agents);
    let failNext = true;
    t.backends.db.agents.get = async (id: string) => {
      if (failNext) {
        failNext = false;
        throw new Error('database busy');
      }
      return realGet(id);
    };
    await expect(tracker.attach(agentId)).rejects.toThrow('database busy');
    expect(await tracker.attach(agentId)).toMatchObject({ id: agentId });
  });

  it('raises no status event for an agent closed after it was unregistered', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const tracker = t.services.tracker;
    const agent = await tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    tracker.streamOpened(agent);
    await tracker.flush();
    await t.services.agents.unregister(t.admin, agentId);
    tracker.streamClosed(agent);
    await tracker.flush();
    const changes = await eventsOf(EventType.AgentStatusChanged);
    expect(changes.map((e) => e.data.to)).toEqual(['online']);
  });

  it('never brings an unregistered agent back with a late flush', async () => {
    const { agentId } = await enrollTestAgent(t, 'a1');
    const tracker = t.services.tracker;
    const agent = await tracker.attach(agentId);
    if (!agent) throw new Error('not attached');
    tracker.recordHeartbeat(agent, sample(1));
    await t.services.agents.unregister(t.admin, agentId);
    // Simulate a flush racing the unregister: the row must stay decommissioned.
    await t.backends.db.agents.applyLiveStates([
      {
        id: agentId,
        status: 'online',
        statusChangedAt: clock.now(),
        health: 'healthy',
        healthReasons: [],
        healthChangedAt: clock.now(),
        lastSeenAt: clock.now() + 1,
        lastHeartbeat: null,
      },
    ]);
    await tracker.flush();
    expect((await t.services.agents.get(agentId)).status).toBe('decommissioned');
    expect(await tracker.attach(agentId)).toBeUndefined();
  });
});
