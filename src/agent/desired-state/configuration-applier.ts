// Applies the configuration the server sends (ConfigurationUpdate), or refuses
// it with a reason naming the field: the document must be JSON that passes the
// server's own schema (agentConfigurationSchema), and it must fit what this
// agent can run (its event buffer memory budget, whether it was built with
// tracing). What passes is applied at once through the effects (log level,
// report interval) and kept as the running configuration; what is refused
// changes nothing, so the agent keeps running what it ran before. The hash it
// already runs is reported APPLIED again without applying anything.
import type { z } from 'zod';
import type { ConfigurationUpdate__Output } from '../../gen/proto/corral/agent/v1/ConfigurationUpdate.js';
import {
  agentConfigurationSchema,
  type AgentConfiguration,
  type LogLevel,
} from '../../features/configuration/agent-configuration.js';
import type { Clock } from '../../shared/clock.js';
import type { ApplyResult, ConfigurationLimits, RunningConfiguration } from './desired-state-types.js';

/** How a configuration reaches the running agent. Either may throw; the previous configuration is then restored. */
export interface ConfigurationEffects {
  setLogLevel(level: LogLevel): void;
  /** Undefined: back to the server's interval. */
  setReportIntervalMs(intervalMs: number | undefined): void;
}

export interface ConfigurationApplierOptions {
  readonly limits: ConfigurationLimits;
  readonly effects: ConfigurationEffects;
  readonly clock: Clock;
  /** Simulated misbehaviour: refuse every configuration that would otherwise apply. */
  readonly refuseAll?: boolean;
}

/** Enough issues to fix the document in one go, few enough to stay readable. */
const MAX_ISSUES_NAMED = 10;
export const SIMULATED_REFUSAL = 'configuration refused on purpose (simulated misbehaviour)';

export class ConfigurationApplier {
  private current: RunningConfiguration | undefined;

  constructor(private readonly options: ConfigurationApplierOptions) {}

  /** What the agent runs now; undefined until a configuration was applied. */
  get running(): RunningConfiguration | undefined {
    return this.current;
  }

  apply(update: ConfigurationUpdate__Output): ApplyResult {
    const { hash } = update;
    if (this.current?.hash === hash) return { hash, applied: true, error: '', unchanged: true };
    const checked = this.check(update.configJson);
    if (typeof checked === 'string') return refused(hash, checked);
    const previous = this.current;
    try {
      this.run(checked);
    } catch (error) {
      if (previous) this.restore(previous.config);
      return refused(hash, `applying the configuration failed: ${describe(error)}`);
    }
    this.current = Object.freeze({
      hash,
      config: deepFreeze(checked),
      revisionIds: Object.freeze([...update.revisionIds]),
      appliedAtMs: this.options.clock.now(),
    });
    return { hash, applied: true, error: '', unchanged: false };
  }

  /** Forgets the running configuration (a simulated crash): the next one sent is applied afresh. */
  forget(): void {
    this.current = undefined;
  }

  /** The configuration, or why the agent cannot run it. */
  private check(configJson: string): AgentConfiguration | string {
    let document: unknown;
    try {
      document = JSON.parse(configJson);
    } catch (error) {
      return `config_json is not valid JSON: ${describe(error)}`;
    }
    const parsed = agentConfigurationSchema.safeParse(document);
    if (!parsed.success) return `configuration is invalid: ${describeIssues(parsed.error.issues)}`;
    const problems = this.beyondLimits(parsed.data);
    if (problems.length > 0) return `configuration cannot run on this agent: ${problems.join('; ')}`;
    if (this.options.refuseAll) return SIMULATED_REFUSAL;
    return parsed.data;
  }

  private beyondLimits(config: AgentConfiguration): string[] {
    const { limits } = this.options;
    const problems: string[] = [];
    const { eventBufferKiB } = config.bufferSizes;
    if (eventBufferKiB > limits.maxEventBufferKiB)
      problems.push(
        `bufferSizes.eventBufferKiB: ${eventBufferKiB} KiB is above this agent's memory budget of ${limits.maxEventBufferKiB} KiB`,
      );
    if (config.tracing.enabled) {
      if (!limits.tracing) problems.push('tracing.enabled: this agent was built without tracing');
      else if (!usableEndpoint(config.tracing.endpoint))
        problems.push(
          `tracing.endpoint: ${config.tracing.endpoint === '' ? 'empty' : JSON.stringify(config.tracing.endpoint)}; ` +
            'tracing.enabled needs an http(s) endpoint to send traces to',
        );
    }
    return problems;
  }

  private run(config: AgentConfiguration): void {
    this.options.effects.setLogLevel(config.logLevel);
    this.options.effects.setReportIntervalMs(
      config.reportIntervalSeconds === undefined ? undefined : config.reportIntervalSeconds * 1_000,
    );
  }

  private restore(config: AgentConfiguration): void {
    try {
      this.run(config);
    } catch {
      // Best effort: the effect that failed a moment ago may fail again; the report says so already.
    }
  }
}

function usableEndpoint(endpoint: string): boolean {
  try {
    const { protocol } = new URL(endpoint);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** `bufferSizes.maxBatchSize: must be at most 100000; logLevel: must be one of …`. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const named = issues.slice(0, MAX_ISSUES_NAMED).map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '(document)' : path}: ${issue.message}`;
  });
  const more = issues.length - named.length;
  return more > 0 ? `${named.join('; ')} (and ${more} more)` : named.join('; ');
}

const refused = (hash: string, error: string): ApplyResult => ({
  hash,
  applied: false,
  error,
  unchanged: false,
});

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The running configuration is shared with stats and `status` readers; nobody may change it in place. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
