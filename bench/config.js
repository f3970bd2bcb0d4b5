#!/usr/bin/env node
// `npm run bench:config`: how long a fleet-wide configuration change takes to
// be applied by every connected agent. Starts a real `corral serve` (embedded
// SQLite) and `--processes` `corral simulate` processes with `--agents` agents
// in all (each on its own connection), waits until all are connected and have
// applied their first configuration, then replaces the fleet layer through
// PUT /api/v1/configuration/fleet and measures, from that request, until the
// server has stored an APPLIED report for the new configuration from every
// agent (corral_desired_state_reports_total{part="configuration",outcome=
// "applied"}) and the fleet is compliant again (GET /api/v1/compliance).
//   npm run bench:config -- [--agents 10000] [--processes 2] [--ramp-up 60s] [--changes 3] [--store-url <url>]
//   --store-url <url>: run the server on this store instead of SQLite in a temp directory, e.g.
//   postgres://postgres@127.0.0.1:5432/test (a new schema for the run, dropped after it, unless
//   the URL names ?schema=).
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { CORRAL_BIN, flagReader, startSimulators, until } from '../scripts/lib/bench-kit.js';
import {
  adminApi,
  cleanUpOnInterrupt,
  procStats,
  sleep,
  startBenchServer,
  stopAll,
  waitReady,
} from '../scripts/lib/local-server.js';

const { values: flags } = parseArgs({
  options: {
    'store-url': { type: 'string' },
    agents: { type: 'string', default: '10000' },
    processes: { type: 'string', default: '2' },
    'ramp-up': { type: 'string', default: '60s' },
    changes: { type: 'string', default: '3' },
  },
});
const { positive, seconds } = flagReader('bench:config', flags);
const agents = positive('agents');
const processes = positive('processes');
const changes = positive('changes');
const rampUpMs = seconds('ramp-up');

const output = [];
const local = await startBenchServer(CORRAL_BIN, {
  env: { AGENT_TIMEOUT: '10m', MAX_INACTIVE_TIME: '1h', API_RATE_LIMIT: '100000' },
  output,
  storeUrl: flags['store-url'],
});
const children = [local.child];
cleanUpOnInterrupt(children, local.removeStore);
const call = adminApi(local.apiUrl, local.adminKey);

async function scrape() {
  const text = await (await fetch(local.metricsUrl)).text();
  const value = (pattern) => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    connections: value(/^corral_agent_connections (\d+)/m),
    applied: value(/^corral_desired_state_reports_total\{part="configuration",outcome="applied"\} (\d+)/m),
    failed: value(/^corral_desired_state_reports_total\{part="configuration",outcome="failed"\} (\d+)/m),
  };
}

try {
  await waitReady(local.apiUrl);
  const { secret } = await call('POST', '/api/v1/enrollment-secrets', { name: 'bench', maxUses: agents });
  const fleetStarted = Date.now();
  children.push(
    ...startSimulators({
      grpcAddress: local.grpcAddress,
      secret,
      agents,
      processes,
      rampUpMs,
      idPrefix: 'cfg',
      output,
    }),
  );
  let connected = 0;
  await until(
    () => `every agent to connect (${connected} of ${agents} connected)`,
    rampUpMs + 120_000,
    async () => (connected = (await scrape()).connections) >= agents,
  );
  const fleetConnectedMs = Date.now() - fleetStarted;
  await until('the first configuration to be applied everywhere', 120_000, async () => {
    const summary = await call('GET', '/api/v1/compliance');
    return summary.byCompliance.compliant >= agents;
  });
  const fleetCompliantMs = Date.now() - fleetStarted;
  const runs = [];
  let etag = '"0"';
  for (let i = 1; i <= changes; i++) {
    const before = await scrape();
    const server0 = procStats(local.child.pid);
    const started = Date.now();
    const response = await fetch(`${local.apiUrl}/api/v1/configuration/fleet`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${local.adminKey}`,
        'content-type': 'application/json',
        'if-match': etag,
      },
      body: JSON.stringify({
        document: { logLevel: i % 2 === 0 ? 'info' : 'debug', metadata: { change: String(i) } },
        reason: `bench change ${i}`,
      }),
    });
    if (!response.ok)
      throw new Error(`PUT /configuration/fleet: ${response.status} ${await response.text()}`);
    etag = response.headers.get('etag') ?? etag;
    const answeredMs = Date.now() - started;
    await until('every agent to apply the change', 120_000, async () => {
      const now = await scrape();
      return now.applied - before.applied >= agents;
    });
    const appliedMs = Date.now() - started;
    await until('the fleet to be compliant again', 60_000, async () => {
      const summary = await call('GET', '/api/v1/compliance');
      return summary.byCompliance.compliant >= agents;
    });
    const server1 = procStats(local.child.pid);
    runs.push({
      change: i,
      apiAnswerMs: answeredMs,
      allAppliedMs: appliedMs,
      allCompliantMs: Date.now() - started,
      failedReports: (await scrape()).failed - before.failed,
      serverCpuSeconds: Number((server1.cpuSeconds - server0.cpuSeconds).toFixed(2)),
    });
    await sleep(1000);
  }
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version };
  const rssMiB = Math.round(procStats(local.child.pid).rssBytes / 2 ** 20);
  process.stdout.write(
    `${JSON.stringify(
      {
        store: local.store,
        agents,
        processes,
        rampUpMs,
        // From the simulators' start: every agent enrolled, authenticated and streaming; then every one
        // having applied its first configuration (the enrollment storm the ramp-up spreads).
        fleet: { connectedMs: fleetConnectedMs, compliantMs: fleetCompliantMs },
        runs,
        serverRssMiB: rssMiB,
        machine,
      },
      null,
      2,
    )}\n`,
  );
} catch (error) {
  process.stderr.write(`bench:config failed: ${error.message}\n${output.slice(-20).join('')}\n`);
  process.exitCode = 1;
} finally {
  await stopAll(children);
  await local.removeStore();
}
