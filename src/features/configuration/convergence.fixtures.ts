// What the end-to-end convergence tests share: a real server (startCorral on a
// SQLite file, loopback ports), real reference agents (AgentClient over gRPC),
// a "silent" agent that connects over the real wire but never reports, and
// small readers of the server's view (admin API, events, desired state).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { vi } from 'vitest';
import { AgentClient, type AgentClientOptions } from '../../agent/agent-client.js';
import { GrpcAgentRpc, type ConnectStream } from '../../agent/agent-rpc.js';
import { MemoryIdentityStore } from '../../agent/identity-store.js';
import { startCorral, type RunningCorral } from '../../app/corral.js';
import { loadSettings } from '../../config/settings-loader.js';
import type { ServerMessage__Output } from '../../gen/proto/corral/agent/v1/ServerMessage.js';
import { silentLogger } from '../../shared/logger.js';
import { SYSTEM_PRINCIPAL } from '../api-keys/api-key.js';
import type { RequestContext } from '../audit/audited.js';
import type { EventType } from '../events/event.js';

export const admin: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: null };

/** Polls until the assertion holds (bounded; the last failure is what the test reports). */
export const until = (assertion: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 20_000, interval: 25 });

const ADMIN_KEY = `cak_${'c0nvergence'.repeat(4)}xyz`;

/** A logger that writes nowhere but, unlike a silent one, follows the configuration's logLevel. */
const discardingLogger = () =>
  pino({ level: 'info' }, new Writable({ write: (_chunk, _encoding, done) => done() }));

export interface AgentSpec {
  readonly labels?: Record<string, string>;
  readonly capabilities?: string[];
  readonly maxEventBufferKiB?: number;
}

/** An agent that connects and records what it is sent, and answers only when told to. */
export interface SilentAgent {
  readonly received: ServerMessage__Output[];
  send(message: Parameters<ConnectStream['write']>[0]): void;
  close(): void;
}

export interface Convergence {
  readonly corral: RunningCorral;
  readonly secret: string;
  agent(agentId: string, spec?: AgentSpec): AgentClient;
  silentAgent(agentId: string, labels?: Record<string, string>): Promise<SilentAgent>;
  /** An admin API call with the bootstrap key; the parsed body. */
  http<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The server's stored desired state of an agent (what it was sent and reported, its compliance). */
  stateOf(agentId: string): ReturnType<typeof stateOf>;
  eventsOf(agentId: string, types: readonly EventType[]): Promise<{ type: string; data: unknown }[]>;
  close(): Promise<void>;
}

async function stateOf(corral: RunningCorral, agentId: string) {
  return (await corral.services.configuration.agentView(agentId)).state;
}

export async function startConvergence(env: Record<string, string> = {}): Promise<Convergence> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-convergence-'));
  const corral = await startCorral(
    loadSettings({
      env: {
        GRPC_SERVER_ADDR: '127.0.0.1:0',
        ADMIN_API_ADDR: '127.0.0.1:0',
        METRICS_ADDR: '127.0.0.1:0',
        STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
        ADMIN_API_KEY: ADMIN_KEY,
        HEARTBEAT_FLUSH_INTERVAL: '50ms',
        SHUTDOWN_DRAIN_TIMEOUT: '1s',
        LOG_LEVEL: 'silent',
        ...env,
      },
    }),
    silentLogger,
  );
  const { secret } = await corral.services.enrollment.create(admin, { name: 'convergence' });
  const clients: AgentClient[] = [];
  const silent: SilentAgent[] = [];
  const serverAddress = `127.0.0.1:${corral.grpcPort}`;
  const facts = (agentId: string, spec: AgentSpec) => ({
    agentId,
    name: agentId,
    hostname: `${agentId}.test`,
    ipAddress: '127.0.0.1',
    version: 'test',
    type: 'blocking',
    platform: 'linux',
    capabilities: spec.capabilities ?? ['scan'],
    labels: spec.labels ?? {},
  });

  return {
    corral,
    secret,
    agent(agentId, spec = {}) {
      const options: AgentClientOptions = {
        serverAddress,
        enrollmentSecret: secret,
        facts: facts(agentId, spec),
        identityStore: new MemoryIdentityStore(),
        metrics: () => ({ cpuPercent: 5, memoryPercent: 10, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
        commandFlushIntervalMs: 10,
        backoff: { baseMs: 20, capMs: 200 },
        logger: discardingLogger(),
        ...(spec.maxEventBufferKiB === undefined ? {} : { maxEventBufferKiB: spec.maxEventBufferKiB }),
      };
      const client = new AgentClient(options);
      clients.push(client);
      client.start();
      return client;
    },
    async silentAgent(agentId, labels = {}) {
      const rpc = new GrpcAgentRpc({ serverAddress, separateConnection: true });
      const enrolled = await rpc.enroll({ enrollmentSecret: secret, facts: facts(agentId, { labels }) });
      const session = await rpc.authenticate({ agentId, credential: enrolled.credential });
      const stream = rpc.connect(session.session?.token ?? '');
      const received: ServerMessage__Output[] = [];
      stream.on('data', (message: ServerMessage__Output) => received.push(message));
      stream.on('error', () => undefined);
      const agent: SilentAgent = {
        received,
        send: (message) => void stream.write(message),
        close: () => {
          stream.cancel();
          rpc.close();
        },
      };
      silent.push(agent);
      return agent;
    },
    async http<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${corral.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    stateOf: (agentId) => stateOf(corral, agentId),
    async eventsOf(agentId, types) {
      const page = await corral.services.events.list(
        { types, subjectId: agentId },
        { limit: 500, order: 'asc' },
      );
      return page.items.map((e) => ({ type: e.type, data: e.data }));
    },
    async close() {
      for (const agent of silent.splice(0)) agent.close();
      for (const client of clients.splice(0)) await client.stop();
      await corral.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
