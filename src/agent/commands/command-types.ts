// The shapes shared by the agent's command machinery: phases as the wire
// spells them, what a handler gets and returns, the hooks through which a
// command reaches outside the runner (reconnect, exit), and the simulated
// failure modes.
import type { z } from 'zod';
import type { AgentCommand__Output } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { CommandPhase__Output } from '../../gen/proto/corral/agent/v1/CommandPhase.js';
import type { Clock } from '../../shared/clock.js';
import type { AgentStateView } from '../desired-state/desired-state-types.js';

export type Phase = CommandPhase__Output;

export const Phase = {
  Running: 'COMMAND_PHASE_RUNNING',
  Succeeded: 'COMMAND_PHASE_SUCCEEDED',
  Failed: 'COMMAND_PHASE_FAILED',
  Cancelled: 'COMMAND_PHASE_CANCELLED',
  Rejected: 'COMMAND_PHASE_REJECTED',
} as const satisfies Record<string, Phase>;

export type TerminalPhase = Exclude<Phase, 'COMMAND_PHASE_RUNNING' | 'COMMAND_PHASE_UNSPECIFIED'>;

export const isTerminal = (phase: Phase): phase is TerminalPhase =>
  phase !== Phase.Running && phase !== 'COMMAND_PHASE_UNSPECIFIED';

/** One update as the agent keeps it (the wire's CommandUpdate with every field set). */
export interface CommandUpdateRecord {
  readonly commandId: string;
  readonly phase: Phase;
  readonly progressPercent: number;
  readonly message: string;
  readonly resultJson: string;
  readonly error: string;
  readonly atMs: number;
}

/** What commands may ask of the agent around them. */
export interface CommandHooks {
  /** Close the stream and reconnect after delayMs (update, restart). */
  reconnect(delayMs: number, reason: string): void;
  /** Stop the agent (shutdown). */
  exit(reason: string): void;
}

export interface CommandContext {
  readonly command: AgentCommand__Output;
  /** Aborted on cancel, deadline or agent stop; its reason says which. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Reports progress (0-100); the runner throttles what reaches the wire. */
  progress(percent: number, message?: string): void;
  /** Marks the agent isolated: from now on only emergency commands are accepted. */
  isolate(reason: string): void;
  /** The configuration and policy set the agent runs now (absent where no client runs the command). */
  readonly agentState?: () => AgentStateView;
}

export interface CommandOutcome {
  /** Any JSON value; sent as result_json. */
  readonly result?: unknown;
  readonly message?: string;
  /** Runs once the SUCCEEDED update is queued (and flushed): reconnect, exit. */
  readonly followUp?: (hooks: CommandHooks) => void;
}

export interface CommandHandler<P = unknown> {
  readonly type: string;
  /** Validates params_json (parsed; `{}` when empty). */
  readonly params: z.ZodType<P>;
  run(params: P, context: CommandContext): Promise<CommandOutcome>;
}

/** Simulated misbehaviour (seed 004), for exercising the server's failure handling. */
export interface FailureModes {
  /** 0-1: share of commands that fail instead of running. */
  readonly failRate?: number;
  /** Delay before a command reports its outcome. */
  readonly addedLatencyMs?: number;
  /** The agent crashes right after its nth finished command (0 or absent: never). */
  readonly crashAfter?: number;
  /** 0-1: share of deliveries silently dropped: no receipt, no update. */
  readonly stallRate?: number;
}

/** Handlers are stored type-erased; each validates its own params before running. */
export const defineHandler = <P>(handler: CommandHandler<P>): CommandHandler => handler as CommandHandler;
