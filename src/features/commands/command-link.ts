// What command delivery needs from the agent streams, in domain terms. The
// gRPC stream hub implements it; the commands feature never sees protobuf.
import type { Command } from './command.js';

/** An update an agent reported, as the dispatcher sees it. */
export type AgentPhase = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'rejected';

export interface CommandLink {
  /** Sends commands to an agent connected here; false when it is not (they wait for its reconnect). */
  deliver(agentId: string, commands: readonly Command[]): boolean;
  /** Asks the agent to stop a command; ignored when it is not connected here (redelivery carries the state). */
  cancel(agentId: string, commandId: string, reason: string): void;
  /** Tells the agent which of its updates are stored, so it can forget them. */
  confirmUpdates(agentId: string, receipts: readonly { commandId: string; phase: AgentPhase }[]): void;
}

export const noCommandLink: CommandLink = {
  deliver: () => false,
  cancel: () => undefined,
  confirmUpdates: () => undefined,
};
