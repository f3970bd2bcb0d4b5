// Publishes this instance's presence: which agents' streams it holds, and
// itself in the instance registry. Streams opening and closing only touch
// in-process sets (add/remove cost no I/O); the changes go out together a
// moment later (batchDelayMs), and every ttl/3 one refresh re-sends the
// whole set and the instance heartbeat. So the backend sees a few batches
// per period, never a round trip per stream or per heartbeat, and if this
// instance dies its entries expire within ttlMs.
import { Lifecycle, LifecycleState, type Startable } from '../../shared/lifecycle.js';
import type { InstanceInfo, Presence } from './presence.js';

export interface PresenceKeeperOptions {
  readonly instanceId: string;
  /** How long entries outlive the last refresh. */
  readonly ttlMs: number;
  /** What the instance says about itself (the agent count is added). */
  readonly info: () => Omit<InstanceInfo, 'agents'>;
  /** How long additions and removals wait to be sent together. */
  readonly batchDelayMs?: number;
  readonly onError?: (error: unknown) => void;
}

export class PresenceKeeper implements Startable {
  readonly name = 'presence';
  private readonly held = new Set<string>();
  private readonly added = new Set<string>();
  private removed = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  /** Sends run one after another, so a removal never overtakes the addition before it. */
  private queue: Promise<void> = Promise.resolve();
  private readonly lifecycle = new Lifecycle();

  constructor(
    private readonly presence: Presence,
    private readonly options: PresenceKeeperOptions,
  ) {}

  /** Agents this instance holds. */
  get size(): number {
    return this.held.size;
  }

  add(agentId: string): void {
    this.held.add(agentId);
    this.removed.delete(agentId);
    this.added.add(agentId);
    this.scheduleChanges();
  }

  remove(agentId: string): void {
    if (!this.held.delete(agentId)) return;
    this.added.delete(agentId);
    this.removed.add(agentId);
    this.scheduleChanges();
  }

  /** Sends the first refresh before resolving, so the instance is listed once started. */
  start(): Promise<void> {
    return this.lifecycle.start(async () => {
      await this.refresh();
      this.scheduleRefresh();
    });
  }

  /** Withdraws this instance and its agents at once rather than letting them expire. */
  stop(): Promise<void> {
    return this.lifecycle.stop(async () => {
      clearTimeout(this.refreshTimer);
      clearTimeout(this.changeTimer);
      const all = [...this.held, ...this.removed];
      this.added.clear();
      this.removed.clear();
      await this.enqueue(async () => {
        await this.presence.removePresence(all, this.options.instanceId);
        await this.presence.removeInstance(this.options.instanceId);
      });
    });
  }

  /** Re-sends every held agent and the instance heartbeat (and any changes waiting). */
  refresh(): Promise<void> {
    return this.enqueue(async () => {
      const removed = this.takeRemoved();
      this.added.clear();
      const { instanceId, ttlMs } = this.options;
      await Promise.all([
        this.presence.setPresence([...this.held], instanceId, ttlMs),
        this.presence.heartbeatInstance(
          instanceId,
          { ...this.options.info(), agents: this.held.size },
          ttlMs,
        ),
        this.sendRemovals(removed),
      ]);
    });
  }

  /**
   * Sends only the instance heartbeat (its info and agent count), now: cheap
   * enough to call on every wave of a drain. Nothing before start or after stop.
   */
  announce(): Promise<void> {
    if (this.lifecycle.current !== LifecycleState.Running) return Promise.resolve();
    return this.enqueue(() => {
      const { instanceId, ttlMs } = this.options;
      return this.presence.heartbeatInstance(
        instanceId,
        { ...this.options.info(), agents: this.held.size },
        ttlMs,
      );
    });
  }

  /** Sends the additions and removals waiting, now. */
  flushChanges(): Promise<void> {
    clearTimeout(this.changeTimer);
    this.changeTimer = undefined;
    return this.enqueue(async () => {
      const added = [...this.added].filter((agentId) => this.held.has(agentId));
      this.added.clear();
      const removed = this.takeRemoved();
      await Promise.all([
        added.length > 0
          ? this.presence.setPresence(added, this.options.instanceId, this.options.ttlMs)
          : null,
        this.sendRemovals(removed),
      ]);
    });
  }

  private async sendRemovals(removed: string[]): Promise<void> {
    if (removed.length === 0) return;
    try {
      await this.presence.removePresence(removed, this.options.instanceId);
    } catch (error) {
      // Try again with the next batch, unless the agent came back meanwhile.
      for (const agentId of removed) if (!this.held.has(agentId)) this.removed.add(agentId);
      throw error;
    }
  }

  private takeRemoved(): string[] {
    const removed = [...this.removed];
    this.removed = new Set();
    return removed;
  }

  private enqueue(send: () => Promise<void>): Promise<void> {
    const run = this.queue.then(send);
    this.queue = run.catch((error: unknown) => this.options.onError?.(error));
    return run;
  }

  private scheduleChanges(): void {
    if (this.changeTimer || !this.running()) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.flushChanges().catch(() => undefined);
    }, this.options.batchDelayMs ?? 50);
    this.changeTimer.unref();
  }

  private scheduleRefresh(): void {
    this.refreshTimer = setTimeout(
      () => {
        this.refresh()
          .catch(() => undefined)
          .finally(() => {
            if (this.running()) this.scheduleRefresh();
          });
      },
      Math.max(1, Math.floor(this.options.ttlMs / 3)),
    );
    this.refreshTimer.unref();
  }

  private running(): boolean {
    const state = this.lifecycle.current;
    return state === LifecycleState.Starting || state === LifecycleState.Running;
  }
}
