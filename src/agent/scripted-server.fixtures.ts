// A scripted in-process gRPC server speaking corral.agent.v1, for testing the
// agent client and the simulator without Corral: it records what the agent
// sends and can be told to fail calls (tests only).
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { AgentMessage__Output } from '../gen/proto/corral/agent/v1/AgentMessage.js';
import type { Heartbeat__Output } from '../gen/proto/corral/agent/v1/Heartbeat.js';
import type { ServerMessage } from '../gen/proto/corral/agent/v1/ServerMessage.js';
import { loadAgentProto } from '../transports/grpc/proto-loader.js';
import { STATUS_DETAILS_KEY, encodeStatusDetails } from './status-details.js';

type Duplex = grpc.ServerDuplexStream<AgentMessage__Output, ServerMessage>;
type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** A ServerMessage of a kind added after this agent was built (field 15, reserved and unused: an empty message). */
export const UNKNOWN_KIND = Symbol('unknown kind');
const UNKNOWN_KIND_BYTES = Buffer.from([0x7a, 0x00]);

export const failure = (
  code: grpc.status,
  details: string,
  retryDelayMs?: number,
): Partial<grpc.StatusObject> => {
  const metadata = new grpc.Metadata();
  if (retryDelayMs !== undefined) {
    metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails({ code, message: details, retryDelayMs }));
  }
  return { code, details, metadata };
};

export class ScriptedServer {
  readonly server = new grpc.Server();
  address = '';
  readonly secret = 'ces_scripted';
  sessionTtlMs = 60_000;
  heartbeatIntervalMs = 20;
  readonly credentials = new Map<string, string>();
  readonly tokens = new Map<string, string>();
  readonly calls: string[] = [];
  readonly heartbeats: Heartbeat__Output[] = [];
  /** Configuration and policy reports, in the order they arrived. */
  readonly reports: AgentMessage__Output[] = [];
  readonly streams: Duplex[] = [];
  /** Remote address of each accepted stream. */
  readonly peers: string[] = [];
  /** Streams the agent half-closed itself. */
  halfClosedByAgent = 0;
  /** Next Connect fails with this status. */
  failNextConnect: Partial<grpc.StatusObject> | undefined;
  /** Next RefreshSession fails with this status. */
  failNextRefresh: Partial<grpc.StatusObject> | undefined;

  async start(): Promise<void> {
    const { service } = loadAgentProto().corral.agent.v1.AgentService;
    const connect = service.Connect;
    const definition = {
      ...service,
      Connect: {
        ...connect,
        responseSerialize: (message: ServerMessage | typeof UNKNOWN_KIND) =>
          message === UNKNOWN_KIND ? UNKNOWN_KIND_BYTES : connect.responseSerialize(message),
      },
    };
    this.server.addService(definition as grpc.ServiceDefinition, {
      Enroll: this.enroll,
      Authenticate: this.authenticate,
      RefreshSession: this.refresh,
      TerminateSession: this.terminate,
      Connect: this.connect,
      Heartbeat: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED }),
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

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }

  send(message: ServerMessage | typeof UNKNOWN_KIND): void {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error('no stream');
    stream.write(message as ServerMessage);
  }

  private issueSession(agentId: string) {
    const token = `cas_${randomBytes(8).toString('hex')}`;
    this.tokens.set(token, agentId);
    return { sessionId: `s-${this.tokens.size}`, token, expiresAtMs: Date.now() + this.sessionTtlMs };
  }

  private agentOf(metadata: grpc.Metadata): string | undefined {
    const header = String(metadata.get('authorization')[0] ?? '');
    return header.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined;
  }

  private readonly enroll: Unary<{ enrollmentSecret: string; facts: { agentId: string } }, object> = (
    call,
    callback,
  ) => {
    this.calls.push('Enroll');
    if (call.request.enrollmentSecret !== this.secret) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'bad enrollment secret' });
      return;
    }
    const agentId = call.request.facts.agentId || 'assigned-1';
    const credential = `cac_${randomBytes(8).toString('hex')}`;
    this.credentials.set(agentId, credential);
    callback(null, { agentId, credential, settings: { heartbeatIntervalMs: this.heartbeatIntervalMs } });
  };

  private readonly authenticate: Unary<{ agentId: string; credential: string }, object> = (
    call,
    callback,
  ) => {
    this.calls.push('Authenticate');
    const { agentId, credential } = call.request;
    if (this.credentials.get(agentId) !== credential) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'credential not accepted' });
      return;
    }
    callback(null, { session: this.issueSession(agentId), settings: { sessionTtlMs: this.sessionTtlMs } });
  };

  private readonly refresh: Unary<object, object> = (call, callback) => {
    this.calls.push('RefreshSession');
    const agentId = this.agentOf(call.metadata);
    if (this.failNextRefresh) {
      callback(this.failNextRefresh);
      this.failNextRefresh = undefined;
    } else if (!agentId) callback({ code: grpc.status.UNAUTHENTICATED, details: 'no session' });
    else callback(null, { session: this.issueSession(agentId) });
  };

  private readonly terminate: Unary<{ reason: string }, object> = (call, callback) => {
    this.calls.push(`TerminateSession:${call.request.reason}`);
    callback(null, {});
  };

  private readonly connect = (stream: Duplex): void => {
    this.calls.push('Connect');
    const agentId = this.agentOf(stream.metadata);
    if (this.failNextConnect) {
      stream.emit('error', this.failNextConnect);
      this.failNextConnect = undefined;
      return;
    }
    if (!agentId) {
      stream.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'no session' });
      return;
    }
    this.streams.push(stream);
    this.peers.push(stream.getPeer());
    stream.write({
      connectAck: {
        agentId,
        sessionId: 's',
        serverInstance: 'scripted',
        settings: { heartbeatIntervalMs: this.heartbeatIntervalMs, sessionTtlMs: this.sessionTtlMs },
        serverTimeMs: Date.now(),
      },
    });
    stream.on('data', (message: AgentMessage__Output) => {
      if (message.configurationReport || message.policyReport) this.reports.push(message);
      if (!message.heartbeat) return;
      this.heartbeats.push(message.heartbeat);
      stream.write({ heartbeatAck: { sequence: message.heartbeat.sequence, health: 'healthy' } });
    });
    stream.on('end', () => {
      this.halfClosedByAgent += 1;
      stream.end();
    });
    stream.on('error', () => undefined);
  };
}
