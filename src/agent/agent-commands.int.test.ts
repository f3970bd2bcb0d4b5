// AgentClient's command handling against a scripted in-process gRPC server
// that sends commands, cancels and update receipts, and drains the stream to
// force redelivery: receipts, de-duplication, cancel, resending until receipted,
// commands that reconnect, and the simulated crash.
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentCommand } from '../gen/proto/corral/agent/v1/AgentCommand.js';
import type { AgentMessage__Output } from '../gen/proto/corral/agent/v1/AgentMessage.js';
import type { CommandUpdate__Output } from '../gen/proto/corral/agent/v1/CommandUpdate.js';
import type { ServerMessage } from '../gen/proto/corral/agent/v1/ServerMessage.js';
import { loadAgentProto } from '../transports/grpc/proto-loader.js';
import type { AgentClientOptions } from './agent-client.js';
import { AgentClient } from './agent-client.js';
import { MemoryIdentityStore } from './identity-store.js';
import { runSimulation } from './simulator.js';

type Duplex = grpc.ServerDuplexStream<AgentMessage__Output, ServerMessage>;

const until = (assertion: () => void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 10 });

class CommandServer {
  readonly server = new grpc.Server();
  address = '';
  readonly secret = 'ces_commands';
  readonly calls: string[] = [];
  readonly receipts: string[][] = [];
  readonly updates: CommandUpdate__Output[] = [];
  /** Answer every update with an update receipt. */
  ackUpdates = true;
  private readonly credentials = new Map<string, string>();
  private readonly tokens = new Map<string, string>();
  private readonly streams: Duplex[] = [];

  async start(): Promise<void> {
    const { service } = loadAgentProto().corral.agent.v1.AgentService;
    const unary =
      <T>(name: string, handle: (request: T, metadata: grpc.Metadata) => object | grpc.StatusObject) =>
      (call: grpc.ServerUnaryCall<T, object>, callback: grpc.sendUnaryData<object>) => {
        this.calls.push(name);
        const answer = handle(call.request, call.metadata);
        if ('code' in answer) callback(answer as grpc.StatusObject);
        else callback(null, answer);
      };
    this.server.addService(service, {
      Enroll: unary<{ facts: { agentId: string } }>('Enroll', (request) => {
        const credential = `cac_${randomBytes(8).toString('hex')}`;
        this.credentials.set(request.facts.agentId, credential);
        return { agentId: request.facts.agentId, credential };
      }),
      Authenticate: unary<{ agentId: string; credential: string }>('Authenticate', (request) => {
        if (this.credentials.get(request.agentId) !== request.credential) {
          return { code: grpc.status.UNAUTHENTICATED, details: 'no', metadata: new grpc.Metadata() };
        }
        const token = `cas_${randomBytes(8).toString('hex')}`;
        this.tokens.set(token, request.agentId);
        return { session: { sessionId: 's', token, expiresAtMs: Date.now() + 60_000 } };
      }),
      RefreshSession: unary('RefreshSession', () => ({})),
      TerminateSession: unary('TerminateSession', () => ({})),
      Heartbeat: unary('Heartbeat', () => ({})),
      Connect: (stream: Duplex) => this.connect(stream),
    });
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    this.address = `127.0.0.1:${port}`;
  }

  stop(): void {
    this.server.forceShutdown();
  }

  send(message: ServerMessage): void {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error('no stream');
    stream.write(message);
  }

  sendCommands(...commands: AgentCommand[]): void {
    this.send({ commands: { commands: commands.map((c) => ({ priority: 'normal', attempt: 1, ...c })) } });
  }

  drain(): void {
    this.send({ drain: { reason: 'test', deadlineMs: Date.now() + 5_000, retryAfterMs: 10 } });
  }

  phases(commandId: string): string[] {
    return this.updates.filter((u) => u.commandId === commandId).map((u) => u.phase);
  }

  receiptsFor(commandId: string): number {
    return this.receipts.filter((ids) => ids.includes(commandId)).length;
  }

  private connect(stream: Duplex): void {
    this.calls.push('Connect');
    const header = String(stream.metadata.get('authorization')[0] ?? '');
    const agentId = this.tokens.get(header.slice('Bearer '.length));
    if (!agentId) {
      stream.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'no session' });
      return;
    }
    this.streams.push(stream);
    stream.write({ connectAck: { agentId, sessionId: 's', settings: { heartbeatIntervalMs: 50 } } });
    stream.on('data', (message: AgentMessage__Output) => {
      if (message.heartbeat) {
        stream.write({ heartbeatAck: { sequence: message.heartbeat.sequence, health: 'healthy' } });
      }
      if (message.commandReceipts) this.receipts.push(message.commandReceipts.commandIds);
      if (message.commandUpdates) {
        const { updates } = message.commandUpdates;
        this.updates.push(...updates);
        if (this.ackUpdates) {
          stream.write({
            updateReceipts: {
              receipts: updates.map(({ commandId, phase }) => ({ commandId, phase })),
            },
          });
        }
      }
    });
    stream.on('end', () => stream.end());
    stream.on('error', () => undefined);
  }
}

describe('AgentClient commands against a scripted server', () => {
  let server: CommandServer;
  let client: AgentClient | undefined;

  beforeEach(async () => {
    server = new CommandServer();
    await server.start();
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    server.stop();
  });

  async function connectedClient(overrides: Partial<AgentClientOptions> = {}): Promise<AgentClient> {
    const agent = new AgentClient({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      facts: { agentId: 'cmd-agent', name: 'c', type: 'scanner', capabilities: ['scan'], labels: {} },
      identityStore: new MemoryIdentityStore(),
      metrics: () => ({ cpuPercent: 1, memoryPercent: 1, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
      backoff: { baseMs: 10, capMs: 50 },
      stopTimeoutMs: 1_000,
      ...overrides,
    });
    client = agent;
    agent.start();
    await until(() => expect(agent.stats.connects).toBe(1));
    return agent;
  }

  it('acknowledges a batch at once, runs it to SUCCEEDED and forgets receipted updates', async () => {
    const agent = await connectedClient();
    const finished = vi.fn();
    agent.on('commandFinished', finished);
    server.sendCommands(
      { commandId: 'c1', type: 'ping' },
      { commandId: 'c2', type: 'status' },
      { commandId: 'c3', type: 'config_reload', paramsJson: '{"revision":"r2"}' },
    );
    await until(() => {
      for (const id of ['c1', 'c2', 'c3']) expect(server.phases(id)).toContain('COMMAND_PHASE_SUCCEEDED');
    });
    // A receipt at most once each (an update sent in the same flush stands for it).
    const receipted = server.receipts.flat();
    expect(receipted).toEqual([...new Set(receipted)]);
    await until(() => expect(agent.stats.updatesUnacknowledged).toBe(0));
    expect(agent.stats).toMatchObject({ commandsReceived: 3, commandsSucceeded: 3, commandsActive: 0 });
    expect(finished).toHaveBeenCalledWith(
      expect.objectContaining({ commandId: 'c2', type: 'status', phase: 'COMMAND_PHASE_SUCCEEDED' }),
    );
    // Heartbeats went on as usual.
    expect(agent.stats.heartbeatsAcked).toBeGreaterThan(0);
  });

  it('does not run a command redelivered after a reconnect, but receipts it again', async () => {
    const agent = await connectedClient();
    server.sendCommands({ commandId: 'once', type: 'ping' });
    await until(() => expect(server.phases('once')).toContain('COMMAND_PHASE_SUCCEEDED'));
    server.drain();
    await until(() => expect(agent.stats.connects).toBe(2));
    const receiptsBefore = server.receiptsFor('once');
    server.sendCommands({ commandId: 'once', type: 'ping', attempt: 2 });
    await until(() => expect(server.receiptsFor('once')).toBe(receiptsBefore + 1));
    expect(agent.stats).toMatchObject({ commandsReceived: 2, commandsDuplicate: 1, commandsSucceeded: 1 });
    // One run: the receipted outcome was never produced (or sent) again.
    expect(server.phases('once').filter((p) => p === 'COMMAND_PHASE_SUCCEEDED')).toHaveLength(1);
  });

  it('cancels a running scan with a CANCELLED update', async () => {
    const agent = await connectedClient();
    server.sendCommands({ commandId: 'scan-1', type: 'scan', paramsJson: '{"durationSeconds":60}' });
    await until(() => expect(server.phases('scan-1')).toContain('COMMAND_PHASE_RUNNING'));
    server.send({ cancel: { commandId: 'scan-1', reason: 'no longer needed' } });
    await until(() => expect(server.phases('scan-1')).toContain('COMMAND_PHASE_CANCELLED'));
    expect(server.updates.find((u) => u.phase === 'COMMAND_PHASE_CANCELLED')?.message).toBe(
      'no longer needed',
    );
    expect(agent.stats.commandsCancelled).toBe(1);
  });

  it('rejects unknown and expired commands', async () => {
    await connectedClient();
    server.sendCommands(
      { commandId: 'x1', type: 'custom:unknown' },
      { commandId: 'x2', type: 'ping', expiresAtMs: Date.now() - 1_000 },
    );
    await until(() => {
      expect(server.phases('x1')).toEqual(['COMMAND_PHASE_REJECTED']);
      expect(server.phases('x2')).toEqual(['COMMAND_PHASE_REJECTED']);
    });
  });

  it('re-sends updates after each reconnect until the server receipts them', async () => {
    server.ackUpdates = false;
    const agent = await connectedClient();
    server.sendCommands({ commandId: 'u1', type: 'ping' });
    await until(() => expect(server.phases('u1')).toContain('COMMAND_PHASE_SUCCEEDED'));
    server.drain();
    await until(() =>
      expect(server.phases('u1').filter((p) => p === 'COMMAND_PHASE_SUCCEEDED')).toHaveLength(2),
    );
    expect(agent.stats.updatesUnacknowledged).toBe(1);
    server.send({ updateReceipts: { receipts: [{ commandId: 'u1', phase: 'COMMAND_PHASE_SUCCEEDED' }] } });
    await until(() => expect(agent.stats.updatesUnacknowledged).toBe(0));
    server.drain();
    await until(() => expect(agent.stats.connects).toBe(3));
    const acked = agent.stats.heartbeatsAcked;
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThan(acked + 1));
    expect(server.phases('u1').filter((p) => p === 'COMMAND_PHASE_SUCCEEDED')).toHaveLength(2);
  });

  it('tells onUpdateStored about an update only once the server receipts it', async () => {
    server.ackUpdates = false;
    const stored = vi.fn<NonNullable<AgentClientOptions['onUpdateStored']>>();
    await connectedClient({ onUpdateStored: stored });
    server.sendCommands({ commandId: 's1', type: 'ping' });
    await until(() => expect(server.phases('s1')).toContain('COMMAND_PHASE_SUCCEEDED'));
    expect(stored).not.toHaveBeenCalled();
    server.send({ updateReceipts: { receipts: [{ commandId: 's1', phase: 'COMMAND_PHASE_SUCCEEDED' }] } });
    await until(() => expect(stored).toHaveBeenCalledTimes(1));
    expect(stored.mock.calls[0]?.[0]).toMatchObject({ commandId: 's1', phase: 'COMMAND_PHASE_SUCCEEDED' });
  });

  it('reconnects after a restart command, its SUCCEEDED update sent first', async () => {
    const agent = await connectedClient();
    const disconnected = vi.fn();
    agent.on('disconnected', disconnected);
    server.sendCommands({ commandId: 'r1', type: 'restart', paramsJson: '{"delaySeconds":0}' });
    await until(() => expect(agent.stats.connects).toBe(2));
    expect(server.phases('r1')).toContain('COMMAND_PHASE_SUCCEEDED');
    expect(disconnected).toHaveBeenCalledWith({ reason: 'restart' });
  });

  it('stops on a shutdown command', async () => {
    const agent = await connectedClient();
    server.sendCommands({ commandId: 'bye', type: 'shutdown' });
    expect(await agent.stopped).toEqual({ failed: false });
    expect(server.phases('bye')).toContain('COMMAND_PHASE_SUCCEEDED');
    expect(server.calls).toContain('TerminateSession');
  });

  it('simulated crash: restarts with its identity and still refuses a seen command', async () => {
    const agent = await connectedClient({ failureModes: { crashAfter: 1 } });
    server.sendCommands({ commandId: 'k1', type: 'ping' });
    await until(() => expect(agent.stats.connects).toBe(2));
    expect(agent.stats.crashes).toBe(1);
    // A crashed process authenticates again; it does not enroll again.
    expect(server.calls.filter((c) => c === 'Authenticate')).toHaveLength(2);
    expect(server.calls.filter((c) => c === 'Enroll')).toHaveLength(1);
    server.sendCommands({ commandId: 'k1', type: 'ping', attempt: 2 });
    await until(() => expect(agent.stats.commandsDuplicate).toBe(1));
    expect(agent.stats.commandsSucceeded).toBe(1);
  });

  it('simulated stall: neither receipts nor answers', async () => {
    const agent = await connectedClient({ failureModes: { stallRate: 1 } });
    server.sendCommands({ commandId: 'st', type: 'ping' });
    await until(() => expect(agent.stats.commandsStalled).toBe(1));
    const acked = agent.stats.heartbeatsAcked;
    await until(() => expect(agent.stats.heartbeatsAcked).toBeGreaterThan(acked + 1));
    expect(server.receipts).toEqual([]);
    expect(server.updates).toEqual([]);
  });
});

describe('runSimulation with commands', () => {
  let server: CommandServer;

  beforeEach(async () => {
    server = new CommandServer();
    await server.start();
  });
  afterEach(() => {
    server.stop();
  });

  it('simulated agents run a light scan to SUCCEEDED with progress', async () => {
    const stored: [string, string, string][] = [];
    const simulation = runSimulation({
      serverAddress: server.address,
      enrollmentSecret: server.secret,
      agents: 1,
      rampUpMs: 0,
      reportIntervalMs: 0,
      onUpdateStored: (update, agentId) => stored.push([agentId, update.commandId, update.phase]),
    });
    try {
      await until(() => expect(simulation.stats().connected).toBe(1));
      server.sendCommands({ commandId: 'sim-scan', type: 'scan', paramsJson: '{"durationSeconds":0.3}' });
      await until(() => expect(server.phases('sim-scan')).toContain('COMMAND_PHASE_SUCCEEDED'));
      // The scripted server receipts every update: the simulator names the agent whose update was stored.
      await until(() => expect(stored).toContainEqual(['sim-1', 'sim-scan', 'COMMAND_PHASE_SUCCEEDED']));
    } finally {
      await simulation.stop();
    }
    const done = server.updates.find((u) => u.phase === 'COMMAND_PHASE_SUCCEEDED');
    expect(JSON.parse(done?.resultJson ?? '{}')).toMatchObject({ filesScanned: 0, blocksHashed: 0 });
  });

  it('refuses failure modes out of range', () => {
    expect(() =>
      runSimulation({
        serverAddress: server.address,
        enrollmentSecret: server.secret,
        agents: 1,
        failureModes: { failRate: 2 },
      }),
    ).toThrow(/failureModes.failRate must be from 0 to 1/);
  });
});
