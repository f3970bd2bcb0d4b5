// An in-process gRPC server on real services (in-memory SQLite) plus a raw
// generated client, for integration tests of the agent transport.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { CorralMetrics } from '../../metrics/corral-metrics.js';
import { systemClock } from '../../shared/clock.js';
import { PeriodicTask } from '../../shared/lifecycle.js';
import { silentLogger } from '../../shared/logger.js';
import type { AgentServiceClient } from '../../gen/proto/corral/agent/v1/AgentService.js';
import { AgentGrpcServer } from './agent-grpc-server.js';
import { decodeStatusDetails } from '../../agent/status-details.js';
import { loadAgentProto } from './proto-loader.js';
import { StreamHub } from './stream-hub.js';

export interface GrpcHarness {
  readonly t: TestServices;
  readonly server: AgentGrpcServer;
  readonly hub: StreamHub;
  readonly address: string;
  client(): AgentServiceClient;
  /** Enrolls and authenticates an agent; returns call metadata carrying its token. */
  agentSession(agentId: string): Promise<{ credential: string; token: string; metadata: grpc.Metadata }>;
  close(): Promise<void>;
}

const TLS_DIR = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const TLS_FILES = {
  certFile: join(TLS_DIR, 'localhost.cert.pem'),
  keyFile: join(TLS_DIR, 'localhost.key.pem'),
};

export async function startGrpcHarness(
  options: { sessionTtlMs?: number; expiryNoticeMs?: number; maxStreams?: number; tls?: boolean } = {},
): Promise<GrpcHarness> {
  const hub = new StreamHub(systemClock);
  const t = await openTestServices({
    clock: systemClock,
    sessionTtlMs: options.sessionTtlMs ?? 3_600_000,
    connections: () => hub,
    commandLink: () => hub,
    desiredStateLink: () => hub,
  });
  const metrics = new CorralMetrics({
    counts: () => t.backends.db.agents.counts(),
    connectedStreams: () => hub.connectedCount(),
    liveAgents: () => t.services.tracker.size,
    pendingAgentWrites: () => t.services.tracker.pendingCount,
    heartbeatsReceived: () => t.services.tracker.heartbeatsReceived,
    eventsPublished: () => 0,
    commandCounts: () => t.backends.db.commands.countsByStatus(),
    commandsDelivered: () => t.services.dispatcher.delivered,
    commandReportsStored: () => t.services.dispatcher.reportsStored,
    queueDepths: () => ({ dispatch: t.services.dispatcher.depth().waiting }),
    queueOldestAges: () => ({ dispatch: 0 }),
    outboxLag: async () => ({ events: 0, oldestAgeSeconds: 0 }),
    maintenanceMode: () => t.services.maintenance.current.enabled,
    complianceCounts: async () => (await t.services.configuration.compliance()).byCompliance,
  });
  const settings = { heartbeatIntervalMs: 1000, sessionTtlMs: options.sessionTtlMs ?? 3_600_000 };
  const server = new AgentGrpcServer({
    host: '127.0.0.1',
    port: 0,
    tls: options.tls ? TLS_FILES : undefined,
    drainTimeoutMs: 2000,
    logger: silentLogger,
    hub,
    handlers: {
      metrics,
      logger: silentLogger,
      agents: t.services.agents,
      sessions: t.services.sessions,
      tracker: t.services.tracker,
      hub,
      clock: systemClock,
      settings,
      instanceId: 'test-instance',
      maxStreams: options.maxStreams ?? 100,
      maxQueuedPerStream: 16,
      expiryNoticeMs: options.expiryNoticeMs ?? 60_000,
      commands: t.services.dispatcher,
      desiredState: t.services.desiredState,
    },
  });
  t.services.tracker.onFlushed((durable) => hub.acknowledge(durable));
  const flusher = new PeriodicTask(
    'flush',
    20,
    async () => void (await t.services.tracker.flush()),
    () => undefined,
  );
  await flusher.start();
  await server.start();
  const address = `127.0.0.1:${server.boundPort}`;
  const clients: grpc.Client[] = [];
  const proto = loadAgentProto();
  return {
    t,
    server,
    hub,
    address,
    client() {
      const credentials = options.tls
        ? grpc.credentials.createSsl(readFileSync(TLS_FILES.certFile))
        : grpc.credentials.createInsecure();
      const client = new proto.corral.agent.v1.AgentService(
        options.tls ? `localhost:${server.boundPort}` : address,
        credentials,
      );
      clients.push(client);
      return client;
    },
    async agentSession(agentId) {
      const { credential } = await enrollTestAgent(t, agentId);
      const { token } = await t.services.sessions.authenticate(agentId, credential, 'test');
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return { credential, token, metadata };
    },
    async close() {
      for (const client of clients) client.close();
      await server.stop();
      await flusher.stop();
      await t.close();
    },
  };
}

/** The google.rpc details of a failed call, flattened for assertions. */
export function statusDetails(error: grpc.ServiceError): {
  reason?: string;
  fieldViolations: readonly { field: string; description: string }[];
  retryDelayMs?: number;
} {
  const details = decodeStatusDetails(error.metadata);
  return {
    reason: details.errorInfo?.reason,
    fieldViolations: details.fieldViolations,
    retryDelayMs: details.retryDelayMs,
  };
}
