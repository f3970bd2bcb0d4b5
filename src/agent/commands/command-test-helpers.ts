// Builders shared by the command tests (not shipped in any code path).
import { vi } from 'vitest';
import type { AgentCommand__Output } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { CommandUpdateRecord } from './command-types.js';

export const command = (overrides: Partial<AgentCommand__Output> = {}): AgentCommand__Output => ({
  commandId: 'cmd-1',
  type: 'ping',
  paramsJson: '',
  priority: 'normal',
  deadlineMs: 0,
  expiresAtMs: 0,
  attempt: 1,
  ...overrides,
});

export const updateRecord = (overrides: Partial<CommandUpdateRecord> = {}): CommandUpdateRecord => ({
  commandId: 'cmd-1',
  phase: 'COMMAND_PHASE_RUNNING',
  progressPercent: 0,
  message: '',
  resultJson: '',
  error: '',
  atMs: 0,
  ...overrides,
});

/** Waits for an assertion to hold; generous so slow machines only slow the test down. */
export const until = (assertion: () => void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 5 });
