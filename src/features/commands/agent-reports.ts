// What agents report about their commands (receipts and updates), and the
// store writes each report implies. A report names where the command ended up
// and the statuses it may have passed on the way (`via`); the store applies it
// from wherever the command stands, so reports that arrive late, twice or
// several in one batch all land right (sql-command-transitions.ts).
import type { CommandStatus } from './command-state.js';
import type { AgentPhase } from './command-link.js';
import type { CommandFailure, CommandProgress, JsonValue } from './command.js';
import type { CommandProgressWrite, CommandTransitionWrite } from './command-store.js';

export interface AgentReport {
  readonly agentId: string;
  readonly commandId: string;
  /** Undefined for a receipt (the agent has the command). */
  readonly phase?: AgentPhase;
  readonly progress?: CommandProgress;
  readonly result?: JsonValue;
  readonly error?: CommandFailure;
}

const STARTED: readonly CommandStatus[] = ['acknowledged', 'running'];

/**
 * The writes for a batch of reports. `known` gives the status this instance
 * last stored for the reported command (undefined when it does not know);
 * progress on a command known to be running is a progress write, not a
 * transition.
 */
export function reportWrites(
  reports: readonly AgentReport[],
  known: (report: AgentReport) => CommandStatus | undefined,
  at: number,
): { transitions: CommandTransitionWrite[]; progress: CommandProgressWrite[] } {
  const transitions: CommandTransitionWrite[] = [];
  const progress: CommandProgressWrite[] = [];
  // Reports of one command in this batch follow each other.
  const expected = new Map<string, CommandStatus | undefined>();
  for (const r of reports) {
    const id = r.commandId;
    const status = expected.has(id) ? expected.get(id) : known(r);
    const base = { id, at, agentId: r.agentId };
    switch (r.phase) {
      case undefined:
        if (status !== undefined && status !== 'dispatched') continue;
        transitions.push({ ...base, to: 'acknowledged' });
        expected.set(id, 'acknowledged');
        continue;
      case 'running':
        if (status === 'running' || status === 'cancel_requested') {
          if (r.progress) progress.push({ id, progress: r.progress });
          continue;
        }
        transitions.push({
          ...base,
          to: 'running',
          via: ['acknowledged'],
          ...(r.progress && { progress: r.progress }),
        });
        expected.set(id, 'running');
        continue;
      case 'succeeded':
        transitions.push({
          ...base,
          to: 'succeeded',
          via: STARTED,
          ...(r.result === undefined ? {} : { result: r.result }),
          ...(r.progress && { progress: r.progress }),
        });
        break;
      case 'failed':
      case 'rejected':
        transitions.push({
          ...base,
          to: 'failed',
          via: STARTED,
          error: r.error ?? { code: r.phase, message: r.phase },
          ...(r.result === undefined ? {} : { result: r.result }),
          ...(r.phase === 'rejected' && { detail: 'rejected by the agent' }),
        });
        break;
      case 'cancelled':
        transitions.push({ ...base, to: 'cancelled', detail: 'confirmed by the agent' });
        break;
    }
    expected.set(id, undefined);
  }
  return { transitions, progress };
}
