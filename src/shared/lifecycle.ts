// Long-lived parts (servers, sweepers, flushers, relays) share one lifecycle:
// start() and stop() are idempotent and safe to call concurrently; stop()
// drains before it resolves.

export const LifecycleState = {
  Initialized: 'initialized',
  Starting: 'starting',
  Running: 'running',
  Draining: 'draining',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
export type LifecycleState = (typeof LifecycleState)[keyof typeof LifecycleState];

export interface Startable {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Guards start/stop so each runs once, whoever calls it and how often. */
export class Lifecycle {
  private state: LifecycleState = LifecycleState.Initialized;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  get current(): LifecycleState {
    return this.state;
  }

  start(run: () => Promise<void>): Promise<void> {
    this.starting ??= (async () => {
      this.state = LifecycleState.Starting;
      try {
        await run();
        this.state = LifecycleState.Running;
      } catch (error) {
        this.state = LifecycleState.Failed;
        throw error;
      }
    })();
    return this.starting;
  }

  stop(run: () => Promise<void>): Promise<void> {
    this.stopping ??= (async () => {
      if (this.starting) await this.starting.catch(() => undefined);
      this.state = LifecycleState.Draining;
      try {
        await run();
      } finally {
        this.state = LifecycleState.Stopped;
      }
    })();
    return this.stopping;
  }
}

/**
 * Runs `task` every `intervalMs` (never overlapping itself) until stopped. A
 * failing run is reported through `onError` and the loop goes on.
 */
export class PeriodicTask implements Startable {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly lifecycle = new Lifecycle();

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): Promise<void> {
    return this.lifecycle.start(async () => {
      this.schedule();
    });
  }

  /** Runs the task now (waiting for a run in progress first). */
  async runNow(): Promise<void> {
    if (this.running) await this.running;
    this.running = this.task()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  stop(): Promise<void> {
    return this.lifecycle.stop(async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (this.running) await this.running;
    });
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.runNow().then(() => {
        if (this.lifecycle.current === LifecycleState.Running) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }
}
