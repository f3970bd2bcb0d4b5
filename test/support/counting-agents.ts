// Agents for the failure tests: real AgentClients in the test process (real
// gRPC to the servers under test, each on a connection of its own), whose
// handlers count every execution (ExecutionCounts) and whose seen command ids
// survive their reconnects, as the reference agent's state directory does.
import { AgentClient } from '../../src/agent/agent-client.js';
import { MemorySeenCommands } from '../../src/agent/commands/seen-commands.js';
import { MemoryIdentityStore } from '../../src/agent/identity-store.js';
import { ExecutionCounts } from './command-load.js';
import { waitFor } from './wait-for.js';

export class CountingAgents {
  readonly runs = new ExecutionCounts();
  readonly clients: AgentClient[] = [];

  /**
   * Starts one agent on `serverAddress`: two commands at once, each taking at
   * least 60 ms (so many are out on agents at any moment), heartbeats every
   * 500 ms, reconnects within half a second.
   */
  start(agentId: string, serverAddress: string, secret: string): AgentClient {
    const client = new AgentClient({
      serverAddress,
      separateConnection: true,
      enrollmentSecret: secret,
      facts: { agentId, name: agentId, type: 'scanner', capabilities: [], labels: {} },
      identityStore: new MemoryIdentityStore(),
      seenCommands: new MemorySeenCommands(),
      commandHandlers: this.runs.handlersFor(agentId),
      maxConcurrentCommands: 2,
      failureModes: { addedLatencyMs: 60 },
      metrics: () => ({ cpuPercent: 5, memoryPercent: 10, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
      heartbeatIntervalMs: 500,
      backoff: { baseMs: 50, capMs: 500 },
      stopTimeoutMs: 1_000,
    });
    this.clients.push(client);
    client.start();
    return client;
  }

  async waitAllConnected(): Promise<void> {
    await waitFor(
      async () => this.clients.filter((agent) => agent.stats.connected).length,
      (connected) => connected === this.clients.length,
      { description: `all ${this.clients.length} agents connected`, timeoutMs: 30_000 },
    );
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.stop()));
  }
}
