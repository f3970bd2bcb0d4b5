#!/usr/bin/env node
// `npm run bench:agents`: connects N simulated agents to a real `corral serve`
// (embedded SQLite, or --store-url; several with --instances) and reports the time to connect them all, heartbeats/s
// ingested, server RSS per agent, and the CPU used by the server and by the
// load generator. Everything runs on this machine, on loopback, and stops by
// itself. Usage:
//   npm run bench:agents -- [--agents 10000] [--processes 2] [--heartbeat-interval 500ms]
//                           [--ramp-up 30s] [--warmup-interval 10s] [--measure 20s] [--store-url <url>]
// Agents enroll and connect over --ramp-up heartbeating every --warmup-interval,
// then all switch to --heartbeat-interval for the measurement.
//   --store-url <url>: run the server on this store instead of SQLite in a temp directory, e.g.
//   postgres://postgres@127.0.0.1:5432/test (a new schema for the run, dropped after it, unless
//   the URL names ?schema=).
//   --cache-url redis://127.0.0.1:6379, --bus-url amqp://guest:guest@127.0.0.1:5672: Redis and RabbitMQ
//   instead of memory: (a key prefix and exchanges of the run's own, removed after it).
//   --instances N (default 1; more than one needs all three): N servers sharing them; simulator
//   process p connects its agents to instance p mod N, so --processes must be a multiple of N and
//   the agents are split evenly. Each simulator enrolls with a secret of its own.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  adminApi,
  cleanUpOnInterrupt,
  backendCpuBetween,
  loadAverage,
  procStats,
  scaleOutProblem,
  scrapeText,
  sleep,
  startBenchServer,
  stopAll,
  waitReady,
} from '../scripts/lib/local-server.js';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corral = join(root, 'bin/corral.js');
const { values: flags } = parseArgs({
  options: {
    'store-url': { type: 'string' },
    agents: { type: 'string', default: '10000' },
    processes: { type: 'string', default: '2' },
    'heartbeat-interval': { type: 'string', default: '500ms' },
    'ramp-up': { type: 'string', default: '30s' },
    'warmup-interval': { type: 'string', default: '10s' },
    measure: { type: 'string', default: '20s' },
    'cache-url': { type: 'string' },
    'bus-url': { type: 'string' },
    instances: { type: 'string', default: '1' },
  },
});
const agents = positive('agents', flags.agents);
const processes = positive('processes', flags.processes);
const instances = positive('instances', flags.instances);
const backendFlags = { storeUrl: flags['store-url'], cacheUrl: flags['cache-url'], busUrl: flags['bus-url'] };
const problem = scaleOutProblem({ instances, ...backendFlags });
if (problem !== undefined) usage(problem);
if (processes % instances !== 0) usage('--processes must be a multiple of --instances');
const measureMs = durationMs('measure', flags.measure);
const rampUpMs = durationMs('ramp-up', flags['ramp-up']);

function positive(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive whole number`);
  return n;
}
function durationMs(name, text) {
  const m = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!m) usage(`--${name} must be a duration such as 500ms, 20s, 1m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's'];
}
const round = (n) => Number(n.toFixed(2));
const mib = (bytes) => Math.round(bytes / 2 ** 20);
function usage(message) {
  process.stderr.write(`bench:agents: ${message}\n`);
  process.exit(2);
}

async function scrape(metricsUrl) {
  const text = await scrapeText(metricsUrl);
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const errors = text
    .split('\n')
    .filter((l) => l.startsWith('corral_grpc_errors_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  return {
    connections: value('corral_agent_connections'),
    heartbeats: value('corral_heartbeats_received_total'),
    heapUsedBytes: value('corral_nodejs_heap_size_used_bytes'),
    heapTotalBytes: value('corral_nodejs_heap_size_total_bytes'),
    externalBytes: value('corral_nodejs_external_memory_bytes'),
    flushSeconds: value('corral_agent_state_flush_duration_seconds_sum'),
    flushes: value('corral_agent_state_flush_duration_seconds_count'),
    rowsWritten: value('corral_agent_state_rows_written_total'),
    errors,
  };
}

/** Every instance's figures, and their sums (errors and counters add up across instances). */
async function scrapeAll() {
  const each = await Promise.all(servers.map((s) => scrape(s.metricsUrl)));
  const total = {};
  for (const key of Object.keys(each[0])) total[key] = each.reduce((sum, m) => sum + m[key], 0);
  return { each, total };
}

const output = [];
const local = await startBenchServer(corral, {
  env: { AGENT_TIMEOUT: '10m', MAX_INACTIVE_TIME: '1h', SESSION_TIMEOUT: '1h' },
  output,
  ...backendFlags,
  instances,
});
const { adminKey, servers } = local;
const children = servers.map((s) => s.child);
cleanUpOnInterrupt(children, local.removeStore);

const cleanup = async () => {
  await stopAll(children);
  await local.removeStore();
};

try {
  await Promise.all(servers.map((s) => waitReady(s.apiUrl)));
  const baseline = servers.map((s) => procStats(s.child.pid));
  const counts = Array.from(
    { length: processes },
    (_, p) => Math.floor(agents / processes) + (p < agents % processes ? 1 : 0),
  );
  // A secret per simulator: an enrollment locks its secret's row until it commits (ADR 0014).
  const secrets = [];
  for (const [p, count] of counts.entries()) {
    const created = await adminApi(local.apiUrl, adminKey)('POST', '/api/v1/enrollment-secrets', {
      name: `bench-${p}`,
      maxUses: count,
    });
    secrets.push(created.secret);
  }

  const started = Date.now();
  const simulators = [];
  for (const [p, count] of counts.entries()) {
    const sim = spawn(
      process.execPath,
      [
        corral,
        'simulate',
        '--server',
        servers[p % instances].grpcAddress,
        '--enroll-secret',
        secrets[p],
        '--agents',
        String(count),
        '--ramp-up',
        `${rampUpMs}ms`,
        '--heartbeat-interval',
        flags['heartbeat-interval'],
        '--warmup-interval',
        flags['warmup-interval'],
        '--id-prefix',
        `bench-${p}`,
        '--report-interval',
        '5s',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    sim.stderr.on('data', (chunk) => output.push(`[sim ${p}] ${chunk}`));
    simulators.push(sim);
    children.push(sim);
  }

  let connectedAt;
  const connectDeadline = started + rampUpMs + 120_000;
  while (Date.now() < connectDeadline) {
    // A scrape may fail while the enrollment storm keeps the store busy: ask again.
    const connections = (await scrapeAll().catch(() => undefined))?.total.connections ?? 0;
    if (connections >= agents) {
      connectedAt = Date.now();
      break;
    }
    if (simulators.some((s) => s.exitCode !== null)) throw new Error('a simulator exited early');
    await sleep(250);
  }
  if (!connectedAt)
    throw new Error(
      `not all agents connected in time (${(await scrapeAll().catch(() => undefined))?.total.connections ?? '?'}/${agents})`,
    );

  // Every agent switches to the full rate at its next warm-up beat; then let the rate settle.
  await sleep(durationMs('warmup-interval', flags['warmup-interval']) + 3000);
  const snapshot = async () => ({
    at: Date.now(),
    servers: servers.map((s) => procStats(s.child.pid)),
    sims: simulators.map((s) => procStats(s.pid)),
    metrics: await scrapeAll(),
    backends: await local.sampleBackendCpu(),
    load: loadAverage(),
  });
  const before = await snapshot();
  await sleep(measureMs);
  const after = await snapshot();
  const redisKeys = await local.cacheFootprint();

  const seconds = (after.at - before.at) / 1000;
  const simCpu = after.sims.reduce((sum, s, i) => sum + s.cpuSeconds - (before.sims[i]?.cpuSeconds ?? 0), 0);
  const delta = (m0, m1, key) => m1[key] - m0[key];
  const flushFigures = (m0, m1) => {
    const flushes = Math.max(1, delta(m0, m1, 'flushes'));
    return {
      storeFlushesPerSecond: round(delta(m0, m1, 'flushes') / seconds),
      storeRowsPerFlush: Math.round(delta(m0, m1, 'rowsWritten') / flushes),
      storeFlushMeanMs: Number(((delta(m0, m1, 'flushSeconds') * 1000) / flushes).toFixed(1)),
    };
  };
  // Each instance's CPU per heartbeat is over its own heartbeats; the total's over all of them.
  const perInstance = servers.map((s, n) => {
    const m0 = before.metrics.each[n];
    const m1 = after.metrics.each[n];
    const cpu = after.servers[n].cpuSeconds - before.servers[n].cpuSeconds;
    const heartbeats = delta(m0, m1, 'heartbeats');
    return {
      instanceId: s.instanceId,
      agents: m1.connections,
      heartbeatsPerSecondIngested: Math.round(heartbeats / seconds),
      cpuSeconds: round(cpu),
      cpuCores: round(cpu / seconds),
      cpuMicrosecondsPerHeartbeat: Math.round((cpu / Math.max(1, heartbeats)) * 1e6),
      rssMiB: mib(after.servers[n].rssBytes),
      rssPerAgentKiB: Number(
        ((after.servers[n].rssBytes - baseline[n].rssBytes) / Math.max(1, m1.connections) / 1024).toFixed(1),
      ),
      heapUsedMiB: mib(m1.heapUsedBytes),
      heapTotalMiB: mib(m1.heapTotalBytes),
      externalMiB: mib(m1.externalBytes),
      ...flushFigures(m0, m1),
    };
  });
  const m0 = before.metrics.total;
  const m1 = after.metrics.total;
  const serverCpu = perInstance.reduce((sum, i) => sum + i.cpuSeconds, 0);
  const rssBytes = after.servers.reduce((sum, r) => sum + r.rssBytes, 0);
  const backendCpu = backendCpuBetween(before.backends, after.backends);
  const result = {
    ...local.backends,
    instanceCount: instances,
    agents,
    simulatorProcesses: processes,
    heartbeatInterval: flags['heartbeat-interval'],
    offeredHeartbeatsPerSecond: Math.round(
      agents / (durationMs('heartbeat-interval', flags['heartbeat-interval']) / 1000),
    ),
    timeToConnectAllSeconds: Number(((connectedAt - started) / 1000).toFixed(1)),
    rampUpSeconds: rampUpMs / 1000,
    heartbeatsPerSecondIngested: Math.round(delta(m0, m1, 'heartbeats') / seconds),
    grpcErrorsDuringRun: m1.errors,
    instances: perInstance,
    serverRssMiB: mib(rssBytes),
    serverRssPerAgentKiB: Number(
      ((rssBytes - baseline.reduce((sum, r) => sum + r.rssBytes, 0)) / agents / 1024).toFixed(1),
    ),
    ...flushFigures(m0, m1),
    serverCpuCores: round(serverCpu / seconds),
    serverCpuMicrosecondsPerHeartbeat: Math.round(
      (serverCpu / Math.max(1, delta(m0, m1, 'heartbeats'))) * 1e6,
    ),
    loadGeneratorCpuCores: round(simCpu / seconds),
    // PostgreSQL: this run's connections; Redis and RabbitMQ: the whole server process (shared).
    backendCpuCores: Object.fromEntries(
      Object.entries(backendCpu).map(([kind, cpu]) => [kind, round(cpu / seconds)]),
    ),
    loadAverage: { start: before.load, end: after.load },
    // With --cache-url: the run's keys in Redis by family, with MEMORY USAGE bytes.
    ...(redisKeys && { redisKeys }),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`bench:agents failed: ${error.message}\n${output.slice(-30).join('')}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
