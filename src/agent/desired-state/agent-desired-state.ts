// Everything an AgentClient needs for configuration and policies, in one
// piece: the two appliers, the channel that reports their outcomes, and the
// effects a configuration has on the running agent: its log level (unless the
// operator fixed one) and its report interval (which the heartbeat stream reads
// before every beat, unless the operator fixed a heartbeat interval).
import type { LogLevel } from '../../features/configuration/agent-configuration.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { ConfigurationApplier } from './configuration-applier.js';
import { DesiredStateChannel } from './desired-state-channel.js';
import type { ApplyResult, ConfigurationLimits, DesiredPart } from './desired-state-types.js';
import { PolicyApplier } from './policy-applier.js';

export interface AgentDesiredStateOptions {
  /** The agent's own logger (see agentLogger): its level follows the configuration when adjustable. */
  readonly logger: Logger;
  readonly logLevelAdjustable: boolean;
  readonly capabilities: readonly string[];
  readonly limits: ConfigurationLimits;
  readonly refuseConfigurations?: boolean;
  readonly clock: Clock;
  readonly flushIntervalMs?: number;
  /** The configured report interval changed: the heartbeat stream should retime. */
  readonly onIntervalChanged: () => void;
  readonly onOutcome: (part: DesiredPart, result: ApplyResult) => void;
}

/**
 * The logger an agent may re-level: a child of the one it was given, so a
 * logger shared with others (the process's, the tests' silent one) never
 * changes. A silent logger stays silent: whoever passed it wants no output.
 */
export function agentLogger(base: Logger, levelFixed: boolean): { logger: Logger; adjustable: boolean } {
  const adjustable = !levelFixed && base.level !== 'silent';
  return { logger: adjustable ? base.child({}) : base, adjustable };
}

export class AgentDesiredState {
  readonly channel: DesiredStateChannel;
  readonly configuration: ConfigurationApplier;
  readonly policies: PolicyApplier;
  private reportIntervalMs: number | undefined;
  private readonly initialLevel: string;

  constructor(private readonly options: AgentDesiredStateOptions) {
    this.initialLevel = options.logger.level;
    this.configuration = new ConfigurationApplier({
      limits: options.limits,
      clock: options.clock,
      refuseAll: options.refuseConfigurations,
      effects: {
        setLogLevel: (level) => this.setLogLevel(level),
        setReportIntervalMs: (intervalMs) => this.setReportInterval(intervalMs),
      },
    });
    this.policies = new PolicyApplier({ capabilities: options.capabilities, clock: options.clock });
    this.channel = new DesiredStateChannel({
      configuration: this.configuration,
      policies: this.policies,
      flushIntervalMs: options.flushIntervalMs,
      logger: options.logger,
      onOutcome: options.onOutcome,
    });
  }

  /** The heartbeat interval the running configuration asks for; undefined before one applied. */
  get configuredIntervalMs(): number | undefined {
    return this.reportIntervalMs;
  }

  /** A simulated crash: the agent forgets what it ran and starts over from its own defaults. */
  reset(): void {
    this.channel.reset();
    if (this.options.logLevelAdjustable) this.options.logger.level = this.initialLevel;
    this.setReportInterval(undefined);
  }

  private setLogLevel(level: LogLevel): void {
    if (this.options.logLevelAdjustable) this.options.logger.level = level;
  }

  private setReportInterval(intervalMs: number | undefined): void {
    if (intervalMs === this.reportIntervalMs) return;
    this.reportIntervalMs = intervalMs;
    this.options.onIntervalChanged();
  }
}
