// What the services need to know about and do to live agent streams. The gRPC
// stream hub implements it; services never see gRPC.

export interface AgentConnections {
  isConnected(agentId: string): boolean;
  connectedCount(): number;
  /** Closes the agent's stream (after a Drain notice) if it has one here. */
  disconnect(agentId: string, reason: string): void;
}

export const noConnections: AgentConnections = {
  isConnected: () => false,
  connectedCount: () => 0,
  disconnect: () => undefined,
};
