// Where the commands feature announces work for agents that other instances
// hold (ADR 0017). The one instance of the embedded default needs none
// (noCommandRouting); with several, InstanceSignals signals the holders.
import type { Command } from './command.js';

export interface CommandRouting {
  /** Commands just stored; those for agents not connected here are announced to their holders. */
  commandsCreated(commands: readonly Command[]): void;
  /** Cancels just stored for commands out on agents; those connected elsewhere are passed on. */
  cancelRequested(commands: readonly Command[], reason: string): void;
}

export const noCommandRouting: CommandRouting = {
  commandsCreated: () => undefined,
  cancelRequested: () => undefined,
};
