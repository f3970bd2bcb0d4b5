// Configuration and policies end to end in one process: the real server
// (startCorral) and the real agent client. On connect the agent applies the
// default configuration and the empty policy set; a fleet layer change reaches
// it and changes its behaviour (log level, heartbeat interval); a change it
// cannot run is refused with the reason, and the server stores each outcome
// with the compliance that follows.
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startCorral, type RunningCorral } from '../app/corral.js';
import { loadSettings } from '../config/settings-loader.js';
import { SYSTEM_PRINCIPAL } from '../features/api-keys/api-key.js';
import type { RequestContext } from '../features/audit/audited.js';
import { silentLogger } from '../shared/logger.js';
import { AgentClient } from './agent-client.js';
import { MemoryIdentityStore } from './identity-store.js';

const admin: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: null };
const until = (assertion: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 15_000, interval: 20 });
const AGENT_ID = 'cfg-1';
const BUDGET_KIB = 8_192;

let dir: string;
let corral: RunningCorral;
let client: AgentClient | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-agent-config-int-'));
  corral = await startCorral(
    loadSettings({
      env: {
        GRPC_SERVER_ADDR: '127.0.0.1:0',
        ADMIN_API_ADDR: '127.0.0.1:0',
        METRICS_ADDR: '127.0.0.1:0',
        STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
        HEARTBEAT_FLUSH_INTERVAL: '50ms',
        SHUTDOWN_DRAIN_TIMEOUT: '1s',
        LOG_LEVEL: 'silent',
      },
    }),
    silentLogger,
  );
});
afterEach(async () => {
  await client?.stop();
  client = undefined;
  await corral.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A logger that writes nowhere but, unlike a silent one, may be re-levelled by the configuration. */
const discardingLogger = () =>
  pino({ level: 'info' }, new Writable({ write: (_chunk, _encoding, done) => done() }));

const stateOf = async () => (await corral.services.configuration.agentView(AGENT_ID)).state;

describe('configuration and policies end to end', () => {
  it('applies what the server sends, refuses what it cannot run, and the server records both', async () => {
    const { secret } = await corral.services.enrollment.create(admin, { name: 'config-e2e' });
    client = new AgentClient({
      serverAddress: `127.0.0.1:${corral.grpcPort}`,
      enrollmentSecret: secret,
      facts: { agentId: AGENT_ID, name: AGENT_ID, type: 'scanner', capabilities: ['scan'], labels: {} },
      identityStore: new MemoryIdentityStore(),
      metrics: () => ({ cpuPercent: 5, memoryPercent: 10, memoryRssBytes: 1, load1: 0, uptimeSeconds: 1 }),
      maxEventBufferKiB: BUDGET_KIB,
      commandFlushIntervalMs: 10,
      backoff: { baseMs: 20, capMs: 200 },
      logger: discardingLogger(),
    });
    const agent = client;
    agent.start();

    // On connect: the built-in defaults and the (empty) policy set, both applied and stored as such.
    await until(() =>
      expect(agent.stats).toMatchObject({ configurationsApplied: 1, policySetsApplied: 1, logLevel: 'info' }),
    );
    const defaults = agent.stats.configHash;
    expect(defaults).toMatch(/^[0-9a-f]{64}$/);
    expect(agent.stats.policyHash).toMatch(/^[0-9a-f]{64}$/);
    await until(async () =>
      expect(await stateOf()).toMatchObject({
        config: { desiredHash: defaults, appliedHash: defaults, status: 'applied' },
        policy: { appliedHash: agent.stats.policyHash, status: 'applied' },
        compliance: 'compliant',
      }),
    );

    // A fleet change reaches the agent and changes how it behaves.
    await corral.services.configuration.updateLayer(
      admin,
      { kind: 'fleet' },
      { document: { logLevel: 'debug', reportIntervalSeconds: 2 } },
      undefined,
    );
    await until(() => expect(agent.stats.configurationsApplied).toBe(2));
    const changed = agent.stats.configHash;
    expect(changed).not.toBe(defaults);
    expect(agent.stats).toMatchObject({
      logLevel: 'debug',
      heartbeatIntervalMs: 2_000,
      configuration: { logLevel: 'debug', reportIntervalSeconds: 2 },
    });
    expect((await corral.services.configuration.agentView(AGENT_ID)).desired.hash).toBe(changed);
    await until(async () =>
      expect(await stateOf()).toMatchObject({
        config: { desiredHash: changed, appliedHash: changed, status: 'applied' },
        compliance: 'compliant',
      }),
    );

    // `status` shows what the agent runs.
    const { command } = await corral.services.commands.create(admin, {
      type: 'status',
      target: { kind: 'agent', agentId: AGENT_ID },
    });
    await until(async () =>
      expect((await corral.services.commands.get(command.id)).status).toBe('succeeded'),
    );
    expect((await corral.services.commands.get(command.id)).result).toMatchObject({
      configuration: { hash: changed, logLevel: 'debug' },
      policySet: { hash: agent.stats.policyHash, policies: [] },
    });

    // More event buffer than the agent's memory budget: refused, and the agent keeps what it ran.
    await corral.services.configuration.updateLayer(
      admin,
      { kind: 'fleet' },
      {
        document: {
          logLevel: 'debug',
          reportIntervalSeconds: 2,
          bufferSizes: { eventBufferKiB: 2 * BUDGET_KIB },
        },
      },
      undefined,
    );
    await until(() => expect(agent.stats.configurationsFailed).toBe(1));
    expect(agent.stats).toMatchObject({ configHash: changed, heartbeatIntervalMs: 2_000 });
    const reason = `bufferSizes.eventBufferKiB: ${2 * BUDGET_KIB} KiB is above this agent's memory budget of ${BUDGET_KIB} KiB`;
    await until(async () => {
      const state = await stateOf();
      expect(state).toMatchObject({
        config: { appliedHash: changed, status: 'failed' },
        compliance: 'non_compliant',
      });
      expect(state?.config.desiredHash).not.toBe(changed);
      expect(state?.config.error).toContain(reason);
      expect(state?.complianceReason).toContain(reason);
    });
  });
});
