// The agent's half of configuration and policy distribution, independent of
// gRPC: hands what the server sends (ConfigurationUpdate, PolicySetUpdate) to
// the appliers and writes each outcome back as a ConfigurationReport or
// PolicySetReport on the current stream, through the same sink as the command
// channel. A report is never dropped for want of a writable stream: it waits
// (while the stream applies backpressure, is closing, or is gone) and goes out
// when one can take it, on this stream or the next. The server also sends both
// again on every new stream and the agent re-reports, so a report lost with a
// dying connection costs nothing.
import type { AgentMessage } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { ConfigurationUpdate__Output } from '../../gen/proto/corral/agent/v1/ConfigurationUpdate.js';
import type { PolicySetUpdate__Output } from '../../gen/proto/corral/agent/v1/PolicySetUpdate.js';
import type { Logger } from '../../shared/logger.js';
import { silentLogger } from '../../shared/logger.js';
import type { CommandSink } from '../commands/command-channel.js';
import { DEFAULT_FLUSH_INTERVAL_MS } from '../commands/command-channel.js';
import type { ConfigurationApplier } from './configuration-applier.js';
import type { AgentStateView, ApplyResult, DesiredPart } from './desired-state-types.js';
import { HASH_PATTERN, MAX_REPORT_ERROR_CHARS } from './desired-state-types.js';
import type { PolicyApplier } from './policy-applier.js';

export interface DesiredStateChannelOptions {
  readonly configuration: ConfigurationApplier;
  readonly policies: PolicyApplier;
  /** How often to try again while the stream cannot take a report. */
  readonly flushIntervalMs?: number;
  readonly logger?: Logger;
  /** Every outcome, including repeats of the hash already run (`unchanged`). */
  readonly onOutcome?: (part: DesiredPart, result: ApplyResult) => void;
}

/**
 * Reports waiting for a stream, at most. Only a report that a newer one of the
 * same part supersedes is ever given up, and the server re-sends on reconnect.
 */
export const MAX_PENDING_REPORTS = 32;

export class DesiredStateChannel {
  /** Keyed by part and hash: a second outcome for the same hash replaces the first. */
  private readonly pending = new Map<string, { part: DesiredPart; message: AgentMessage }>();
  private sink: CommandSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;

  constructor(private readonly options: DesiredStateChannelOptions) {
    this.logger = options.logger ?? silentLogger;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
  }

  /** A new stream is up: reports still waiting go out on it. */
  attach(sink: CommandSink): void {
    this.sink = sink;
    this.flush();
  }

  /** The stream is gone; reports wait for the next one. */
  detach(): void {
    this.sink = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.detach();
  }

  onConfiguration(update: ConfigurationUpdate__Output): void {
    if (!this.reportable('configuration', update.hash)) return;
    this.settle('configuration', this.options.configuration.apply(update));
  }

  onPolicies(update: PolicySetUpdate__Output): void {
    if (!this.reportable('policies', update.hash)) return;
    this.settle('policies', this.options.policies.apply(update));
  }

  /** What the agent runs now, for `status`. */
  get view(): AgentStateView {
    const config = this.options.configuration.running;
    const set = this.options.policies.running;
    return {
      configuration: config ? { hash: config.hash, ...config.config } : null,
      policySet: set ? { hash: set.hash, policies: set.policies } : null,
    };
  }

  get pendingReports(): number {
    return this.pending.size;
  }

  /** Forgets what runs and what waits, as a crashed process would. */
  reset(): void {
    this.options.configuration.forget();
    this.options.policies.forget();
    this.pending.clear();
  }

  /** Writes waiting reports while the stream takes them; tries again later when it does not. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const sink = this.sink;
    if (!sink) return;
    for (const [key, { message }] of this.pending) {
      if (!sink.writable()) {
        this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
        this.timer.unref();
        return;
      }
      sink.write(message);
      this.pending.delete(key);
    }
  }

  /** The server refuses reports whose hash is not a sha256: one it sent so is a bug there, not ours to echo. */
  private reportable(part: DesiredPart, hash: string): boolean {
    if (HASH_PATTERN.test(hash)) return true;
    this.logger.warn({ part, hash: hash.slice(0, 80) }, 'ignoring desired state with a malformed hash');
    return false;
  }

  private settle(part: DesiredPart, result: ApplyResult): void {
    if (!result.unchanged) {
      if (result.applied) this.logger.info({ part, hash: result.hash }, `${part} applied`);
      else this.logger.warn({ part, hash: result.hash, reason: result.error }, `${part} refused`);
    }
    this.options.onOutcome?.(part, result);
    this.queue(part, result);
    this.flush();
  }

  private queue(part: DesiredPart, result: ApplyResult): void {
    const report = {
      hash: result.hash,
      outcome: result.applied ? ('APPLY_OUTCOME_APPLIED' as const) : ('APPLY_OUTCOME_FAILED' as const),
      error: truncate(result.error),
    };
    const key = `${part}:${result.hash}`;
    this.pending.delete(key);
    this.pending.set(key, {
      part,
      message: part === 'configuration' ? { configurationReport: report } : { policyReport: report },
    });
    if (this.pending.size > MAX_PENDING_REPORTS) this.dropOldestSuperseded();
  }

  private dropOldestSuperseded(): void {
    const entries = [...this.pending];
    const index = entries.findIndex(([, { part }], i) =>
      entries.slice(i + 1).some(([, e]) => e.part === part),
    );
    const oldest = entries[index];
    if (oldest) this.pending.delete(oldest[0]);
  }
}

const truncate = (error: string): string =>
  error.length <= MAX_REPORT_ERROR_CHARS ? error : `${error.slice(0, MAX_REPORT_ERROR_CHARS - 1)}…`;
