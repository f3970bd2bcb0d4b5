#!/usr/bin/env node
// `npm run bench:agents`: connects N simulated agents to a real `corral serve`
// (embedded SQLite, or --store-url) and reports the time to connect them all, heartbeats/s
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
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  adminApi,
  procStats,
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
  },
});
const agents = positive('agents', flags.agents);
const processes = positive('processes', flags.processes);
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
function usage(message) {
  process.stderr.write(`bench:agents: ${message}\n`);
  process.exit(2);
}

async function scrape(metricsUrl) {
  const text = await (await fetch(metricsUrl)).text();
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

const output = [];
const local = await startBenchServer(corral, {
  env: { AGENT_TIMEOUT: '10m', MAX_INACTIVE_TIME: '1h', SESSION_TIMEOUT: '1h' },
  output,
  storeUrl: flags['store-url'],
});
const { apiUrl, metricsUrl, adminKey } = local;
const server = local.child;
const children = [server];

const cleanup = async () => {
  await stopAll(children);
  await local.removeStore();
};

try {
  await waitReady(apiUrl);
  const baseline = procStats(server.pid);
  const { secret } = await adminApi(apiUrl, adminKey)('POST', '/api/v1/enrollment-secrets', {
    name: 'bench',
    maxUses: agents,
  });

  const started = Date.now();
  const simulators = [];
  for (let p = 0; p < processes; p++) {
    const count = Math.floor(agents / processes) + (p < agents % processes ? 1 : 0);
    const sim = spawn(
      process.execPath,
      [
        corral,
        'simulate',
        '--server',
        local.grpcAddress,
        '--enroll-secret',
        secret,
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
    const { connections } = await scrape(metricsUrl);
    if (connections >= agents) {
      connectedAt = Date.now();
      break;
    }
    if (simulators.some((s) => s.exitCode !== null)) throw new Error('a simulator exited early');
    await sleep(250);
  }
  if (!connectedAt)
    throw new Error(`not all agents connected in time (${(await scrape(metricsUrl)).connections}/${agents})`);

  // Every agent switches to the full rate at its next warm-up beat; then let the rate settle.
  await sleep(durationMs('warmup-interval', flags['warmup-interval']) + 3000);
  const before = {
    at: Date.now(),
    metrics: await scrape(metricsUrl),
    server: procStats(server.pid),
    sims: simulators.map((s) => procStats(s.pid)),
  };
  await sleep(measureMs);
  const after = {
    at: Date.now(),
    metrics: await scrape(metricsUrl),
    server: procStats(server.pid),
    sims: simulators.map((s) => procStats(s.pid)),
  };

  const seconds = (after.at - before.at) / 1000;
  const simCpu = after.sims.reduce((sum, s, i) => sum + s.cpuSeconds - (before.sims[i]?.cpuSeconds ?? 0), 0);
  const result = {
    store: local.store,
    agents,
    simulatorProcesses: processes,
    heartbeatInterval: flags['heartbeat-interval'],
    offeredHeartbeatsPerSecond: Math.round(
      agents / (durationMs('heartbeat-interval', flags['heartbeat-interval']) / 1000),
    ),
    timeToConnectAllSeconds: Number(((connectedAt - started) / 1000).toFixed(1)),
    rampUpSeconds: rampUpMs / 1000,
    heartbeatsPerSecondIngested: Math.round((after.metrics.heartbeats - before.metrics.heartbeats) / seconds),
    grpcErrorsDuringRun: after.metrics.errors,
    serverRssBytes: after.server.rssBytes,
    serverRssMiB: Math.round(after.server.rssBytes / 2 ** 20),
    serverRssPerAgentKiB: Number(((after.server.rssBytes - baseline.rssBytes) / agents / 1024).toFixed(1)),
    serverHeapUsedMiB: Math.round(after.metrics.heapUsedBytes / 2 ** 20),
    serverHeapTotalMiB: Math.round(after.metrics.heapTotalBytes / 2 ** 20),
    serverExternalMiB: Math.round(after.metrics.externalBytes / 2 ** 20),
    storeFlushesPerSecond: Number(((after.metrics.flushes - before.metrics.flushes) / seconds).toFixed(2)),
    storeRowsPerFlush: Math.round(
      (after.metrics.rowsWritten - before.metrics.rowsWritten) /
        Math.max(1, after.metrics.flushes - before.metrics.flushes),
    ),
    storeFlushMeanMs: Number(
      (
        ((after.metrics.flushSeconds - before.metrics.flushSeconds) * 1000) /
        Math.max(1, after.metrics.flushes - before.metrics.flushes)
      ).toFixed(1),
    ),
    serverCpuCores: Number(((after.server.cpuSeconds - before.server.cpuSeconds) / seconds).toFixed(2)),
    loadGeneratorCpuCores: Number((simCpu / seconds).toFixed(2)),
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
