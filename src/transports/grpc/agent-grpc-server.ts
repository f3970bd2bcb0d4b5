// The gRPC listener for agents: AgentService, the standard grpc.health.v1
// service, keepalive and message-size limits, optional TLS, and a graceful
// drain on stop (Drain notice, deadline, then close).
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { readFileSync } from 'node:fs';
import { Lifecycle, LifecycleState, type Startable } from '../../shared/lifecycle.js';
import type { Logger } from '../../shared/logger.js';
import { connectHandler, type ConnectDeps } from './connect-handler.js';
import { AGENT_SERVICE_NAME, loadAgentProto } from './proto-loader.js';
import type { StreamHub } from './stream-hub.js';
import { unaryHandlers, type UnaryDeps } from './unary-handlers.js';

export interface AgentGrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly drainTimeoutMs: number;
  readonly logger: Logger;
  readonly hub: StreamHub;
  readonly handlers: UnaryDeps & ConnectDeps;
}

/** Server options: dead peers are found by keepalive pings; messages are capped at 1 MiB. */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.max_receive_message_length': 1024 * 1024,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
  // Channelz traces every call and message; Corral exports its own metrics instead.
  'grpc.enable_channelz': 0,
};

export class AgentGrpcServer implements Startable {
  readonly name = 'grpc';
  private readonly server = new grpc.Server(SERVER_OPTIONS);
  private readonly health = new HealthImplementation({
    '': 'NOT_SERVING',
    [AGENT_SERVICE_NAME]: 'NOT_SERVING',
  });
  private readonly lifecycle = new Lifecycle();
  boundPort = 0;

  constructor(private readonly options: AgentGrpcServerOptions) {
    const proto = loadAgentProto();
    this.server.addService(proto.corral.agent.v1.AgentService.service, {
      ...unaryHandlers(options.handlers),
      Connect: connectHandler(options.handlers),
    });
    this.health.addToServer(this.server);
  }

  start(): Promise<void> {
    return this.lifecycle.start(async () => {
      const { host, port, tls, logger } = this.options;
      const credentials = tls
        ? grpc.ServerCredentials.createSsl(
            null,
            [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
            false,
          )
        : grpc.ServerCredentials.createInsecure();
      if (!tls && !isLoopback(host)) {
        logger.warn(
          { host, port },
          'gRPC listener is plaintext on a non-loopback address; set TLS_ENABLED=true with TLS_CERT_FILE and TLS_KEY_FILE in production',
        );
      }
      this.boundPort = await new Promise<number>((resolve, reject) => {
        this.server.bindAsync(
          `${host.includes(':') ? `[${host}]` : host}:${port}`,
          credentials,
          (error, bound) => (error ? reject(error) : resolve(bound)),
        );
      });
      this.health.setStatus('', 'SERVING');
      this.health.setStatus(AGENT_SERVICE_NAME, 'SERVING');
    });
  }

  /** What grpc.health.v1 answers while running: NOT_SERVING during an operator drain. */
  setServing(serving: boolean): void {
    if (this.lifecycle.current !== LifecycleState.Running) return;
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    this.health.setStatus(AGENT_SERVICE_NAME, status);
  }

  stop(): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.health.setStatus('', 'NOT_SERVING');
      this.health.setStatus(AGENT_SERVICE_NAME, 'NOT_SERVING');
      await this.options.hub.drainAll(this.options.drainTimeoutMs, 1000);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          this.server.forceShutdown();
          resolve();
        }, 2000);
        this.server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    });
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
