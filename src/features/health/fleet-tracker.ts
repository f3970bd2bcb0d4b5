// The live state of the agents this instance talks to. Heartbeats and stream
// changes update memory only; flush() writes what changed since the last flush
// in one transaction (agent rows + their events), so the store sees one
// batched write per interval however many heartbeats arrived.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { resourceExhausted } from '../../shared/errors.js';
import type { AgentLiveState, StaleAgent } from '../agents/agent-store.js';
import type { Agent } from '../agents/agent.js';
import { EventType, type EventEnvelope } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import {
  assessHeartbeat,
  Connectivity,
  DEFAULT_THRESHOLDS,
  initialHealthState,
  nextConnectivity,
  observeHealth,
  type ConnectivityEvent,
  type Health,
  type HealthThresholds,
  type HealthTrackerState,
  type HeartbeatSample,
} from './health-model.js';
import { MetricHistory } from './metric-history.js';

export interface FleetTrackerSettings {
  /** At most one agent_heartbeat event per agent per this interval (sampling). */
  readonly heartbeatEventIntervalMs: number;
  /** Consecutive assessments needed before health changes (flapping suppression). */
  readonly healthConfirmations: number;
  /** Above this many unflushed agents, heartbeats are refused with a retry delay. */
  readonly maxPendingAgents: number;
  readonly retryAfterMs: number;
  readonly historySize: number;
  readonly thresholds: HealthThresholds;
}

export const DEFAULT_TRACKER_SETTINGS: FleetTrackerSettings = {
  heartbeatEventIntervalMs: 300_000,
  healthConfirmations: 3,
  maxPendingAgents: 200_000,
  retryAfterMs: 1000,
  historySize: 30,
  thresholds: DEFAULT_THRESHOLDS,
};

export interface LiveAgent {
  readonly id: string;
  status: Connectivity;
  statusChangedAt: number;
  health: HealthTrackerState;
  lastSeenAt: number | null;
  /** Overwritten in place by each heartbeat (see keepSample). */
  lastSample: HeartbeatSample | null;
  lastHeartbeatEventAt: number;
  streams: number;
  readonly history: MetricHistory;
}

/** What a flush made durable for one agent: the basis of its cumulative HeartbeatAck. */
export interface DurableHeartbeat {
  readonly agentId: string;
  readonly sequence: number;
  readonly health: Health;
}

export interface HeartbeatOutcome {
  readonly sequence: number;
  readonly health: Health;
  readonly duplicate: boolean;
}

export class FleetTracker {
  private readonly live = new Map<string, LiveAgent>();
  private readonly loading = new Map<string, Promise<LiveAgent | undefined>>();
  private dirty = new Set<string>();
  private pendingEvents: EventEnvelope[] = [];
  private flushing: Promise<number> | undefined;
  private readonly flushListeners = new Set<(durable: readonly DurableHeartbeat[]) => void>();
  private flushWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  heartbeatsReceived = 0;
  heartbeatsDuplicate = 0;

  constructor(
    private readonly db: Database,
    private readonly events: EventFactory,
    private readonly clock: Clock,
    private readonly settings: FleetTrackerSettings = DEFAULT_TRACKER_SETTINGS,
  ) {}

  get(agentId: string): LiveAgent | undefined {
    return this.live.get(agentId);
  }

  /** Loads an agent's persisted state into memory once; undefined when it is not an active agent. */
  async attach(agentId: string): Promise<LiveAgent | undefined> {
    const known = this.live.get(agentId);
    if (known) return known;
    let loading = this.loading.get(agentId);
    if (!loading) {
      loading = this.db.agents
        .get(agentId)
        .then((agent) => {
          if (!agent || agent.status === Connectivity.Decommissioned) return undefined;
          const entry = this.live.get(agentId) ?? this.fromStored(agent);
          this.live.set(agentId, entry);
          return entry;
        })
        // A failed read must not stick: the next attach tries again.
        .finally(() => this.loading.delete(agentId));
      this.loading.set(agentId, loading);
    }
    return loading;
  }

  streamOpened(agent: LiveAgent): void {
    agent.streams += 1;
    this.transition(agent, 'heartbeat', `agent:${agent.id}`);
  }

  streamClosed(agent: LiveAgent): void {
    agent.streams = Math.max(0, agent.streams - 1);
    if (agent.streams === 0) this.transition(agent, 'stream_closed', `agent:${agent.id}`);
  }

  /** Records one heartbeat in memory. Synchronous: no I/O on the hot path. */
  recordHeartbeat(agent: LiveAgent, sample: HeartbeatSample): HeartbeatOutcome {
    if (this.dirty.size >= this.settings.maxPendingAgents && !this.dirty.has(agent.id)) {
      throw resourceExhausted('heartbeat backlog is full; slow down', this.settings.retryAfterMs);
    }
    this.heartbeatsReceived += 1;
    const previous = agent.lastSample;
    if (
      previous &&
      sample.sequence !== 0 &&
      sample.sequence <= previous.sequence &&
      sample.sentAtMs <= previous.sentAtMs
    ) {
      this.heartbeatsDuplicate += 1;
      return { sequence: previous.sequence, health: agent.health.current, duplicate: true };
    }
    const now = sample.receivedAtMs;
    const assessment = assessHeartbeat(sample, previous ?? undefined, this.settings.thresholds);
    agent.lastSample = keepSample(agent.lastSample, sample);
    agent.lastSeenAt = now;
    agent.history.push(sample);
    this.transition(agent, 'heartbeat', `agent:${agent.id}`);
    const observation = observeHealth(agent.health, assessment, now, this.settings.healthConfirmations);
    agent.health = observation.state;
    if (observation.changedFrom !== undefined) {
      this.pendingEvents.push(
        this.events.make(
          EventType.AgentHealthChanged,
          { kind: 'agent', id: agent.id },
          'system',
          {
            from: observation.changedFrom,
            to: agent.health.current,
            reasons: agent.health.reasons,
          },
          now,
        ),
      );
    }
    if (now - agent.lastHeartbeatEventAt >= this.settings.heartbeatEventIntervalMs) {
      agent.lastHeartbeatEventAt = now;
      this.pendingEvents.push(
        this.events.make(
          EventType.AgentHeartbeat,
          { kind: 'agent', id: agent.id },
          `agent:${agent.id}`,
          { ...sample },
          now,
        ),
      );
    }
    this.dirty.add(agent.id);
    return { sequence: sample.sequence, health: agent.health.current, duplicate: false };
  }

  /** The sweeper moved these agents in the store; follow in memory unless they spoke since. */
  applyStale(changes: readonly StaleAgent[]): void {
    for (const change of changes) {
      const agent = this.live.get(change.id);
      if (!agent || (agent.lastSeenAt ?? 0) > (change.lastSeenAt ?? 0)) continue;
      agent.status = change.to;
      agent.statusChangedAt = this.clock.now();
      if (change.to === Connectivity.Inactive && agent.streams === 0) this.live.delete(change.id);
    }
  }

  forget(agentId: string): void {
    this.live.delete(agentId);
    this.dirty.delete(agentId);
  }

  get size(): number {
    return this.live.size;
  }

  get pendingCount(): number {
    return this.dirty.size;
  }

  /** Called after every successful flush with the heartbeats it made durable. */
  onFlushed(listener: (durable: readonly DurableHeartbeat[]) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** Resolves once everything recorded before this call has been written (after the next flush). */
  durable(): Promise<void> {
    return new Promise((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /** Writes everything changed since the last flush; concurrent calls share one run. Returns rows written. */
  flush(): Promise<number> {
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writePending(): Promise<number> {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    if (this.dirty.size === 0 && this.pendingEvents.length === 0) {
      waiters.forEach((w) => w.resolve());
      return 0;
    }
    const ids = this.dirty;
    const events = this.pendingEvents;
    this.dirty = new Set();
    this.pendingEvents = [];
    const states: AgentLiveState[] = [];
    for (const id of ids) {
      const agent = this.live.get(id);
      if (agent) states.push(this.toLiveState(agent));
    }
    try {
      await this.db.transaction(async (stores) => {
        await stores.agents.applyLiveStates(states);
        if (events.length > 0) await stores.events.append(events);
      });
    } catch (error) {
      // Keep what could not be written for the next flush.
      for (const id of ids) this.dirty.add(id);
      this.pendingEvents = events.concat(this.pendingEvents);
      waiters.forEach((w) => w.reject(error));
      throw error;
    }
    waiters.forEach((w) => w.resolve());
    const durable = states.flatMap((s) =>
      s.lastHeartbeat ? [{ agentId: s.id, sequence: s.lastHeartbeat.sequence, health: s.health }] : [],
    );
    for (const listener of this.flushListeners) listener(durable);
    for (const id of ids) {
      const agent = this.live.get(id);
      if (agent && agent.streams === 0 && agent.status !== Connectivity.Online && !this.dirty.has(id))
        this.live.delete(id);
    }
    return states.length;
  }

  private transition(agent: LiveAgent, event: ConnectivityEvent, actor: string): void {
    // An entry forgotten meanwhile (the agent was unregistered) has nothing left to report.
    if (this.live.get(agent.id) !== agent) return;
    const next = nextConnectivity(agent.status, event);
    if (next === agent.status) return;
    const now = this.clock.now();
    this.pendingEvents.push(
      this.events.make(
        EventType.AgentStatusChanged,
        { kind: 'agent', id: agent.id },
        actor,
        { from: agent.status, to: next, reason: event },
        now,
      ),
    );
    agent.status = next;
    agent.statusChangedAt = now;
    this.dirty.add(agent.id);
  }

  private toLiveState(agent: LiveAgent): AgentLiveState {
    return {
      id: agent.id,
      status: agent.status,
      statusChangedAt: agent.statusChangedAt,
      health: agent.health.current,
      healthReasons: agent.health.reasons,
      healthChangedAt: agent.health.changedAtMs,
      lastSeenAt: agent.lastSeenAt,
      // A snapshot: the kept sample is overwritten in place by later heartbeats while the flush runs.
      lastHeartbeat: agent.lastSample
        ? { ...agent.lastSample, metrics: { ...agent.lastSample.metrics } }
        : null,
    };
  }

  private fromStored(agent: Agent): LiveAgent {
    return {
      id: agent.id,
      status: agent.status,
      statusChangedAt: agent.statusChangedAt,
      health: { ...initialHealthState(agent.health, agent.healthChangedAt), reasons: agent.healthReasons },
      lastSeenAt: agent.lastSeenAt,
      lastSample: agent.lastHeartbeat,
      lastHeartbeatEventAt: 0,
      streams: 0,
      history: new MetricHistory(this.settings.historySize),
    };
  }
}

/**
 * Copies a heartbeat into the agent's existing sample object instead of keeping
 * the new one. A kept object outlives V8's young generation and is promoted,
 * and at 20,000 heartbeats/s that promoted garbage is what grows the heap; an
 * in-place copy leaves the new object to die young.
 */
function keepSample(kept: HeartbeatSample | null, next: HeartbeatSample): HeartbeatSample {
  if (kept === null) return { ...next, metrics: { ...next.metrics } };
  const target = kept as { -readonly [K in keyof HeartbeatSample]: HeartbeatSample[K] };
  const metrics = sameKeys(kept.metrics, next.metrics)
    ? Object.assign(kept.metrics as Record<string, number>, next.metrics)
    : { ...next.metrics };
  Object.assign(target, next);
  target.metrics = metrics;
  return kept;
}

function sameKeys(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b);
}
