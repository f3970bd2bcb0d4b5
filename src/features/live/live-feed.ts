// What every live connection of this instance listens to: one bus
// subscription for all lifecycle events (every instance subscribes, so each
// sees the whole fleet's events), the fleet sampler, and replays from the event
// store for clients that come back. Each event is serialised once and handed to
// every connection (LiveSession decides whether its client can take it).
import type { EventBus, Unsubscribe } from '../../infra/bus/event-bus.js';
import { Lifecycle } from '../../shared/lifecycle.js';
import type { EventLog } from '../events/event-log.js';
import type { EventEnvelope } from '../events/event.js';
import type { CommandEventCounter } from './command-event-counter.js';
import type { FleetSample, FleetSampler } from './fleet-sampler.js';
import { serverMessage } from './live-messages.js';

/** A connection as the feed sees it. */
export interface LiveSink {
  event(id: string, text: string): void;
  fleet(text: string): void;
  /** The feed is stopping: close with GoingAway. */
  end(): void;
}

export interface Replay {
  /** Events after the given id, oldest first; empty when `complete` is false. */
  readonly events: readonly EventEnvelope[];
  /** False when more events than the limit followed the id: the client must refetch instead. */
  readonly complete: boolean;
}

export class LiveFeed {
  private readonly sinks = new Set<LiveSink>();
  private readonly lifecycle = new Lifecycle();
  private unsubscribe: Unsubscribe | undefined;
  private stopSampling: (() => void) | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly events: EventLog,
    readonly sampler: FleetSampler,
    readonly instanceId: string,
    /** Told of every event, watched or not (the sampler reads its counts). */
    private readonly counter?: CommandEventCounter,
  ) {}

  get connections(): number {
    return this.sinks.size;
  }

  start(): Promise<void> {
    return this.lifecycle.start(async () => {
      this.stopSampling = this.sampler.onSample((sample) => this.broadcastFleet(sample));
      this.unsubscribe = await this.bus.subscribe('*', (event) => this.broadcastEvent(event));
      await this.sampler.start();
    });
  }

  stop(): Promise<void> {
    return this.lifecycle.stop(async () => {
      await this.sampler.stop();
      this.stopSampling?.();
      await this.unsubscribe?.();
      for (const sink of [...this.sinks]) sink.end();
      this.sinks.clear();
    });
  }

  attach(sink: LiveSink): () => void {
    this.sinks.add(sink);
    return () => void this.sinks.delete(sink);
  }

  /** Up to `limit` events after `afterId` from the event store, oldest first. */
  async replay(afterId: string, limit: number): Promise<Replay> {
    const page = await this.events.list({}, { afterId, limit, order: 'asc' });
    if (page.nextAfterId !== undefined) return { events: [], complete: false };
    return { events: page.items, complete: true };
  }

  private broadcastEvent(event: EventEnvelope): void {
    this.counter?.observe(event);
    if (this.sinks.size === 0) return;
    const text = serverMessage.event(event);
    for (const sink of this.sinks) sink.event(event.id, text);
  }

  private broadcastFleet(sample: FleetSample): void {
    if (this.sinks.size === 0) return;
    const text = serverMessage.fleet(sample);
    for (const sink of this.sinks) sink.fleet(text);
  }
}
