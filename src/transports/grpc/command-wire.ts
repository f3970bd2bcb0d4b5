// The edge between command messages on the stream and the commands feature:
// commands out as AgentCommand, receipts and updates in as AgentReport,
// validated (naming the proto field) before anything is stored.
import type { AgentReport } from '../../features/commands/agent-reports.js';
import type { AgentPhase } from '../../features/commands/command-link.js';
import { MAX_RESULT_BYTES, type Command, type JsonValue } from '../../features/commands/command.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import type { AgentCommand } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { CommandPhase } from '../../gen/proto/corral/agent/v1/CommandPhase.js';
import type { CommandReceipts__Output } from '../../gen/proto/corral/agent/v1/CommandReceipts.js';
import type { CommandUpdates__Output } from '../../gen/proto/corral/agent/v1/CommandUpdates.js';

const MAX_ITEMS = 1000;
const MAX_ID = 64;
const MAX_TEXT = 4096;

const PHASE_IN: Readonly<Record<string, AgentPhase>> = {
  COMMAND_PHASE_RUNNING: 'running',
  COMMAND_PHASE_SUCCEEDED: 'succeeded',
  COMMAND_PHASE_FAILED: 'failed',
  COMMAND_PHASE_CANCELLED: 'cancelled',
  COMMAND_PHASE_REJECTED: 'rejected',
};
export const PHASE_OUT: Readonly<Record<AgentPhase, CommandPhase>> = {
  running: 'COMMAND_PHASE_RUNNING',
  succeeded: 'COMMAND_PHASE_SUCCEEDED',
  failed: 'COMMAND_PHASE_FAILED',
  cancelled: 'COMMAND_PHASE_CANCELLED',
  rejected: 'COMMAND_PHASE_REJECTED',
};

export function commandToWire(command: Command): AgentCommand {
  return {
    commandId: command.id,
    type: command.type,
    paramsJson: JSON.stringify(command.params),
    priority: command.priority,
    deadlineMs: command.deadlineAt,
    expiresAtMs: command.expiresAt,
    attempt: command.deliveries + 1,
  };
}

export function receiptsFromWire(
  agentId: string,
  message: CommandReceipts__Output | null | undefined,
): AgentReport[] {
  const ids = message?.commandIds ?? [];
  const violations: FieldViolation[] = [];
  if (ids.length > MAX_ITEMS)
    violations.push({
      field: 'command_receipts.command_ids',
      description: `at most ${MAX_ITEMS} per message`,
    });
  ids.forEach((id, i) => {
    if (id.length === 0 || id.length > MAX_ID)
      violations.push({
        field: `command_receipts.command_ids.${i}`,
        description: `must be 1-${MAX_ID} characters`,
      });
  });
  if (violations.length > 0) throw invalidArgument('malformed command receipts', violations);
  return ids.map((commandId) => ({ agentId, commandId }));
}

export function updatesFromWire(
  agentId: string,
  message: CommandUpdates__Output | null | undefined,
): AgentReport[] {
  const updates = message?.updates ?? [];
  const violations: FieldViolation[] = [];
  if (updates.length > MAX_ITEMS)
    violations.push({ field: 'command_updates.updates', description: `at most ${MAX_ITEMS} per message` });
  const reports = updates.flatMap((u, i): AgentReport[] => {
    const field = (name: string) => `command_updates.updates.${i}.${name}`;
    const phase = PHASE_IN[u.phase];
    if (u.commandId.length === 0 || u.commandId.length > MAX_ID)
      violations.push({ field: field('command_id'), description: `must be 1-${MAX_ID} characters` });
    if (!phase)
      violations.push({
        field: field('phase'),
        description: 'must be RUNNING, SUCCEEDED, FAILED, CANCELLED or REJECTED',
      });
    if (u.progressPercent > 100)
      violations.push({ field: field('progress_percent'), description: 'must be 0-100' });
    if (u.message.length > MAX_TEXT || u.error.length > MAX_TEXT)
      violations.push({
        field: field(u.error.length > MAX_TEXT ? 'error' : 'message'),
        description: `must be at most ${MAX_TEXT} characters`,
      });
    let result: JsonValue | undefined;
    if (u.resultJson !== '') {
      if (Buffer.byteLength(u.resultJson) > MAX_RESULT_BYTES)
        violations.push({
          field: field('result_json'),
          description: `must be at most ${MAX_RESULT_BYTES} bytes`,
        });
      else {
        try {
          result = JSON.parse(u.resultJson) as JsonValue;
        } catch {
          violations.push({ field: field('result_json'), description: 'must be valid JSON' });
        }
      }
    }
    if (!phase) return [];
    return [
      {
        agentId,
        commandId: u.commandId,
        phase,
        progress: { percent: u.progressPercent, message: u.message },
        ...(result === undefined ? {} : { result }),
        ...(u.error !== '' || phase === 'failed' || phase === 'rejected'
          ? { error: { code: phase, message: u.error || phase } }
          : {}),
      },
    ];
  });
  if (violations.length > 0) throw invalidArgument('malformed command updates', violations);
  return reports;
}
