// Brings the agents connected to this instance to their desired state: their
// effective configuration and policy set are sent when the stream opens and
// whenever either changes (only to the agents whose hash changed), and what the
// agents report back (APPLIED or FAILED, by hash) is stored with the
// compliance that follows. Group commit like command dispatch: everything that
// arrives while one flush runs goes into the next, one transaction each; the
// desired state is stored before it is sent.
//
// The drift check (driftCheck, a background task) turns agents that have not
// applied what they were sent within the grace period non-compliant.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { EventEnvelope } from '../events/event.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { AgentConfiguration } from './agent-configuration.js';
import type { ConfigurationChange } from './configuration-service.js';
import {
  reported,
  sent,
  withCompliance,
  type DesiredPart,
  type DesiredState,
  type PartState,
  type UnassessedState,
} from './desired-state.js';
import type { EffectiveConfiguration } from './effective-configurations.js';

/** A policy as sent to agents. */
export interface PolicyForAgent {
  readonly policyId: string;
  readonly version: number;
  readonly name: string;
  readonly mode: string;
  readonly rules: unknown;
}

export interface EffectivePolicySet {
  readonly hash: string;
  readonly policies: readonly PolicyForAgent[];
}

/** Where desired state comes from. */
export interface DesiredStateSources {
  configurations(agentIds: readonly string[]): Promise<ReadonlyMap<string, EffectiveConfiguration>>;
  policies(agentIds: readonly string[]): Promise<ReadonlyMap<string, EffectivePolicySet>>;
}

/** What the distributor needs from the agent streams (the gRPC stream hub). */
export interface DesiredStateLink {
  sendConfiguration(
    agentId: string,
    hash: string,
    config: AgentConfiguration,
    revisionIds: readonly string[],
  ): void;
  sendPolicies(agentId: string, set: EffectivePolicySet): void;
}

export interface ApplyReport {
  readonly agentId: string;
  readonly part: DesiredPart;
  readonly hash: string;
  readonly applied: boolean;
  readonly error: string;
}

/** What the distributor tells the outside (metrics). */
export interface DesiredStateObserver {
  reported?(part: DesiredPart, applied: boolean): void;
  drifted?(agents: number): void;
}

const DRIFT_BATCH = 1_000;

export class DesiredStateDistributor {
  private readonly connected = new Set<string>();
  /** Per connected agent, the hashes last sent on its current stream. */
  private readonly lastSent = new Map<string, { config: string; policy: string }>();
  private dirty = new Set<string>();
  private reports: ApplyReport[] = [];
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  /** The tail of the store writes (flushes, drift checks, forgetting), which run one at a time. */
  private serial: Promise<unknown> = Promise.resolve();
  reportsStored = 0;

  constructor(
    private readonly db: Database,
    private readonly sources: DesiredStateSources,
    private readonly link: () => DesiredStateLink,
    private readonly events: EventFactory,
    private readonly clock: Clock,
    private readonly graceMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly observer: DesiredStateObserver = {},
  ) {}

  agentConnected(agentId: string): void {
    this.connected.add(agentId);
    this.lastSent.delete(agentId);
    this.dirty.add(agentId);
    this.schedule();
  }

  agentDisconnected(agentId: string): void {
    this.connected.delete(agentId);
    this.lastSent.delete(agentId);
    this.dirty.delete(agentId);
  }

  /** Desired state may have changed for these agents (or all): those connected here are brought up to date. */
  changed(change: ConfigurationChange): void {
    const ids = 'all' in change ? this.connected : change.agentIds.filter((id) => this.connected.has(id));
    for (const id of ids) this.dirty.add(id);
    if (this.dirty.size > 0) this.schedule();
  }

  report(report: ApplyReport): void {
    this.reports.push(report);
    this.schedule();
  }

  /**
   * Forgets unregistered agents: nothing more is sent to them or stored for
   * them, and their stored desired state is deleted, so neither the drift check
   * nor the compliance counts see them again. Runs in turn with flushes and the
   * drift check, so neither can write a deleted state back.
   */
  forget(agentIds: readonly string[]): Promise<void> {
    const gone = new Set(agentIds);
    for (const id of gone) {
      this.connected.delete(id);
      this.lastSent.delete(id);
      this.dirty.delete(id);
    }
    this.reports = this.reports.filter((r) => !gone.has(r.agentId));
    return this.exclusive(() => this.db.configuration.deleteDesiredStates([...gone]));
  }

  flush(): Promise<void> {
    this.flushing ??= this.exclusive(() => this.writeAndSend()).finally(() => {
      this.flushing = undefined;
      if (this.dirty.size > 0 || this.reports.length > 0) this.schedule();
    });
    return this.flushing;
  }

  /** Agents that have not applied what they were sent within the grace period become non-compliant. */
  driftCheck(): Promise<number> {
    // In turn with flushes: a report stored meanwhile is never overwritten by the state read before it.
    return this.exclusive(() => this.checkDrift());
  }

  private async checkDrift(): Promise<number> {
    const now = this.clock.now();
    const pending = await this.db.configuration.pendingStates(DRIFT_BATCH);
    const events: EventEnvelope[] = [];
    const changed: DesiredState[] = [];
    for (const state of pending) {
      const next = withCompliance(state, now, this.graceMs);
      if (!next.changed) continue;
      changed.push(next.state);
      events.push(this.complianceEvent(next.state, next.from, now));
      events.push(
        this.events.make(
          EventType.ConfigDrifted,
          { kind: 'agent', id: state.agentId },
          'system',
          { reason: next.state.complianceReason },
          now,
        ),
      );
    }
    if (changed.length === 0) return 0;
    await this.db.transaction(async (stores) => {
      await stores.configuration.writeDesiredStates(changed);
      await stores.events.append(events);
    });
    this.observer.drifted?.(changed.length);
    return changed.length;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush().catch(this.onError);
    });
  }

  private async writeAndSend(): Promise<void> {
    const dirty = [...this.dirty].filter((id) => this.connected.has(id));
    const reports = this.reports;
    this.dirty = new Set();
    this.reports = [];
    try {
      const [configs, policies, stored] = await Promise.all([
        this.sources.configurations(dirty),
        this.sources.policies(dirty),
        this.db.configuration.desiredStates([...dirty, ...reports.map((r) => r.agentId)]),
      ]);
      const now = this.clock.now();
      const states = new Map<string, UnassessedState>(stored);
      const events: EventEnvelope[] = [];
      for (const agentId of dirty) {
        const config = configs.get(agentId);
        const policy = policies.get(agentId);
        if (!config || !policy) continue;
        const before = states.get(agentId);
        states.set(agentId, {
          ...before,
          agentId,
          config: sent(before?.config, config.hash, now),
          policy: sent(before?.policy, policy.hash, now),
        });
      }
      for (const r of reports) {
        const state = states.get(r.agentId);
        if (!state) continue;
        const part: PartState = reported(state[r.part], r.hash, r.applied, r.error, now);
        states.set(r.agentId, { ...state, [r.part]: part });
        if (r.hash === state[r.part].desiredHash) events.push(this.applyEvent(r, now));
      }
      const written: DesiredState[] = [];
      for (const [agentId, state] of states) {
        const next = withCompliance(state, now, this.graceMs);
        written.push(next.state);
        if (next.changed) events.push(this.complianceEvent(next.state, next.from, now));
        states.set(agentId, next.state);
      }
      await this.db.transaction(async (stores) => {
        await stores.configuration.writeDesiredStates(written);
        if (events.length > 0) await stores.events.append(events);
      });
      this.reportsStored += reports.length;
      for (const r of reports) this.observer.reported?.(r.part, r.applied);
      this.send(dirty, configs, policies);
    } catch (error) {
      // Nothing stored: the agents stay due (they are sent it on the next change or reconnect), reports are re-sent.
      for (const id of dirty) this.dirty.add(id);
      this.onError(error);
    }
  }

  /** Sends each agent what changed since it was last sent on this stream. */
  private send(
    agentIds: readonly string[],
    configs: ReadonlyMap<string, EffectiveConfiguration>,
    policies: ReadonlyMap<string, EffectivePolicySet>,
  ): void {
    const link = this.link();
    for (const agentId of agentIds) {
      if (!this.connected.has(agentId)) continue;
      const config = configs.get(agentId);
      const policy = policies.get(agentId);
      if (!config || !policy) continue;
      const last = this.lastSent.get(agentId);
      if (last?.config !== config.hash)
        link.sendConfiguration(
          agentId,
          config.hash,
          config.config,
          config.layers.map((l) => l.revisionId),
        );
      if (last?.policy !== policy.hash) link.sendPolicies(agentId, policy);
      this.lastSent.set(agentId, { config: config.hash, policy: policy.hash });
    }
  }

  private applyEvent(r: ApplyReport, at: number): EventEnvelope {
    const type =
      r.part === 'config'
        ? r.applied
          ? EventType.ConfigApplied
          : EventType.ConfigFailed
        : r.applied
          ? EventType.PolicyApplied
          : EventType.PolicyFailed;
    return this.events.make(
      type,
      { kind: 'agent', id: r.agentId },
      `agent:${r.agentId}`,
      { hash: r.hash, ...(r.applied ? {} : { error: r.error }) },
      at,
    );
  }

  private complianceEvent(state: DesiredState, from: string, at: number): EventEnvelope {
    return this.events.make(
      EventType.ComplianceChanged,
      { kind: 'agent', id: state.agentId },
      'system',
      { from, to: state.compliance, reason: state.complianceReason },
      at,
    );
  }
}
