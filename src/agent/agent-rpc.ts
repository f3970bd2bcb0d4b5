// The agent's side of the wire: a grpc-js client for corral.agent.v1.AgentService
// behind a small promise-based interface (AgentRpc), so the session and stream
// logic can be tested without a server. Session tokens travel as
// `authorization: Bearer <token>` metadata on every call but Enroll and
// Authenticate.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { AgentMessage } from '../gen/proto/corral/agent/v1/AgentMessage.js';
import type { AgentServiceClient } from '../gen/proto/corral/agent/v1/AgentService.js';
import type { AuthenticateRequest } from '../gen/proto/corral/agent/v1/AuthenticateRequest.js';
import type { AuthenticateResponse__Output } from '../gen/proto/corral/agent/v1/AuthenticateResponse.js';
import type { EnrollRequest } from '../gen/proto/corral/agent/v1/EnrollRequest.js';
import type { EnrollResponse__Output } from '../gen/proto/corral/agent/v1/EnrollResponse.js';
import type { RefreshSessionResponse__Output } from '../gen/proto/corral/agent/v1/RefreshSessionResponse.js';
import type { ServerMessage__Output } from '../gen/proto/corral/agent/v1/ServerMessage.js';
import { CorralError, ErrorCode } from '../shared/errors.js';
import { loadAgentProto } from '../transports/grpc/proto-loader.js';

export type ConnectStream = grpc.ClientDuplexStream<AgentMessage, ServerMessage__Output>;

/** The calls an agent makes; every unary call can be abandoned through `signal`. */
export interface AgentRpc {
  enroll(request: EnrollRequest, signal?: AbortSignal): Promise<EnrollResponse__Output>;
  authenticate(request: AuthenticateRequest, signal?: AbortSignal): Promise<AuthenticateResponse__Output>;
  refreshSession(token: string, signal?: AbortSignal): Promise<RefreshSessionResponse__Output>;
  terminateSession(token: string, reason: string, timeoutMs: number): Promise<void>;
  connect(token: string): ConnectStream;
  close(): void;
}

export interface ConnectionOptions {
  /** host:port, or any gRPC target (dns:///…, unix:…). */
  readonly serverAddress: string;
  /** Use TLS; implied by caFile. */
  readonly tls?: boolean;
  /** PEM file of the CA that signed the server's certificate; the system roots otherwise. */
  readonly caFile?: string;
  /**
   * Give this client its own TCP connection instead of sharing one with every
   * client of the same target in the process (what a simulated fleet needs).
   */
  readonly separateConnection?: boolean;
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** Deadline of unary calls. */
  readonly callTimeoutMs?: number;
  readonly userAgent?: string;
}

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export function channelCredentials(
  options: Pick<ConnectionOptions, 'tls' | 'caFile'>,
): grpc.ChannelCredentials {
  if (!options.tls && options.caFile === undefined) return grpc.credentials.createInsecure();
  if (options.caFile === undefined) return grpc.credentials.createSsl();
  let ca: Buffer;
  try {
    ca = readFileSync(options.caFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CorralError(ErrorCode.InvalidArgument, `cannot read CA file ${options.caFile}: ${code}`, {
      cause: error,
    });
  }
  return grpc.credentials.createSsl(ca);
}

export function channelOptions(options: ConnectionOptions): grpc.ChannelOptions {
  return {
    // Pings keep NATs and load balancers from silently dropping an idle-looking
    // stream, and detect a dead peer long before TCP would.
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 60_000,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 20_000,
    'grpc.keepalive_permit_without_calls': 0,
    // Reconnection policy belongs to the agent (backoff.ts); keep the channel's own short.
    // Channelz bookkeeping costs CPU on every call; the reference agent and the simulator never read it.
    'grpc.enable_channelz': 0,
    'grpc.initial_reconnect_backoff_ms': 1_000,
    'grpc.max_reconnect_backoff_ms': 10_000,
    ...(options.userAgent ? { 'grpc.primary_user_agent': options.userAgent } : {}),
    ...(options.separateConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
  };
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** AgentRpc over a real grpc-js client. */
export class GrpcAgentRpc implements AgentRpc {
  private readonly client: AgentServiceClient;
  private readonly callTimeoutMs: number;

  constructor(options: ConnectionOptions) {
    const { AgentService } = loadAgentProto().corral.agent.v1;
    this.client = new AgentService(
      options.serverAddress,
      channelCredentials(options),
      channelOptions(options),
    );
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  enroll(request: EnrollRequest, signal?: AbortSignal): Promise<EnrollResponse__Output> {
    return this.unary(signal, this.callTimeoutMs, (options, done) =>
      this.client.Enroll(request, new grpc.Metadata(), options, done),
    );
  }

  authenticate(request: AuthenticateRequest, signal?: AbortSignal): Promise<AuthenticateResponse__Output> {
    return this.unary(signal, this.callTimeoutMs, (options, done) =>
      this.client.Authenticate(request, new grpc.Metadata(), options, done),
    );
  }

  refreshSession(token: string, signal?: AbortSignal): Promise<RefreshSessionResponse__Output> {
    return this.unary(signal, this.callTimeoutMs, (options, done) =>
      this.client.RefreshSession({}, bearer(token), options, done),
    );
  }

  async terminateSession(token: string, reason: string, timeoutMs: number): Promise<void> {
    await this.unary(undefined, timeoutMs, (options, done) =>
      this.client.TerminateSession({ reason }, bearer(token), options, done),
    );
  }

  connect(token: string): ConnectStream {
    return this.client.Connect(bearer(token));
  }

  close(): void {
    this.client.close();
  }

  private unary<T>(
    signal: AbortSignal | undefined,
    timeoutMs: number,
    start: (
      options: grpc.CallOptions,
      done: (error: grpc.ServiceError | null, value?: T) => void,
    ) => grpc.ClientUnaryCall,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelled());
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = start({ deadline: Date.now() + timeoutMs }, (error, value) => {
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else if (value === undefined) reject(new CorralError(ErrorCode.Internal, 'empty response'));
        else resolve(value);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

const cancelled = (): grpc.ServiceError =>
  Object.assign(new Error(`${grpc.status.CANCELLED} CANCELLED: call abandoned`), {
    code: grpc.status.CANCELLED,
    details: 'call abandoned',
    metadata: new grpc.Metadata(),
  });

/** The gRPC status code of a failed call, if it is one. */
export function grpcCode(error: unknown): grpc.status | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 16 ? code : undefined;
}

/** A one-line description of an error, safe to log (gRPC errors never carry our secrets). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
