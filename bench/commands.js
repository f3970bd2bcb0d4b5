#!/usr/bin/env node
// `npm run bench:commands`: commands end to end on the embedded default. Starts
// a real `corral serve` (SQLite in a temp directory, or --store-url) and `corral simulate`
// (N agents, each on its own connection, on this machine), then, by --mode:
//   throughput  --bulks bulk pings to all N agents through POST /api/v1/commands
//               (--concurrency at a time); end to end is from the first POST
//               to the last result stored (created, dispatched, delivered,
//               acknowledged, run, result stored);
//   latency     pings at a fixed --rate for --duration, as bulk requests of
//               --batch agents each; dispatch-to-result latency of every
//               command from its stored history (dispatched → succeeded);
//   inflight    --bulks bulk commands that stay in flight (the agents hold
//               each for --hold before answering), then the server's RSS with
//               all of them accepted and unfinished.
// Loopback only; stops everything by itself. Prints one JSON object.
//   npm run bench:commands -- [--mode throughput] [--agents 1000] [--bulks 20] [--concurrency 4]
//   npm run bench:commands -- --mode latency [--rate 2000] [--duration 20s] [--batch 100]
//   npm run bench:commands -- --mode inflight [--bulks 100] [--hold 10m]
//   --store-url <url>: run the server on this store instead of SQLite in a temp directory, e.g.
//   postgres://postgres@127.0.0.1:5432/test (a new schema for the run, dropped after it, unless
//   the URL names ?schema=). --ramp-up (default 10s): how long the agents take to enroll and
//   connect before the measurement (a setup step, not measured).
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  adminApi,
  procStats,
  sleep,
  startBenchServer,
  stopAll,
  waitReady,
} from '../scripts/lib/local-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corral = join(root, 'bin/corral.js');
const { values: flags } = parseArgs({
  options: {
    mode: { type: 'string', default: 'throughput' },
    agents: { type: 'string', default: '1000' },
    bulks: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    rate: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '20s' },
    batch: { type: 'string', default: '100' },
    hold: { type: 'string', default: '10m' },
    'store-url': { type: 'string' },
    'ramp-up': { type: 'string', default: '10s' },
  },
});
const usage = (message) => {
  process.stderr.write(`bench:commands: ${message}\n`);
  process.exit(2);
};
const positive = (name, text) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive whole number`);
  return n;
};
const durationMs = (name, text) => {
  const m = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!m) usage(`--${name} must be a duration such as 500ms, 20s, 1m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's'];
};
const MODES = ['throughput', 'latency', 'inflight'];
if (!MODES.includes(flags.mode)) usage(`--mode must be one of ${MODES.join(', ')}`);
const agents = positive('agents', flags.agents);
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];

const output = [];
const local = await startBenchServer(corral, {
  env: { API_RATE_LIMIT: '100000' },
  output,
  storeUrl: flags['store-url'],
});
const children = [local.child];
const call = adminApi(local.apiUrl, local.adminKey);

async function scrape() {
  const text = await (await fetch(local.metricsUrl)).text();
  const counts = {};
  for (const match of text.matchAll(/^corral_commands\{status="([a-z_]+)"\} (\d+)/gm))
    counts[match[1]] = Number(match[2]);
  const connections = Number(/^corral_agent_connections (\d+)/m.exec(text)?.[1] ?? 0);
  const heapUsed = Number(/^corral_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? 0);
  return { counts, connections, heapUsed };
}
const finished = (counts) => TERMINAL.reduce((sum, s) => sum + (counts[s] ?? 0), 0);

async function startAgents(extraArgs) {
  const { secret } = await call('POST', '/api/v1/enrollment-secrets', { name: 'bench', maxUses: agents });
  const sim = spawn(
    process.execPath,
    [
      corral,
      'simulate',
      ...['--server', local.grpcAddress, '--enroll-secret', secret, '--agents', String(agents)],
      ...['--ramp-up', `${durationMs('ramp-up', flags['ramp-up'])}ms`, '--heartbeat-interval', '10s'],
      ...['--id-prefix', 'cmd', '--report-interval', '0'],
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  sim.stderr.on('data', (chunk) => output.push(`[sim] ${chunk}`));
  children.push(sim);
  for (let i = 0; (await scrape()).connections < agents; i++) {
    if (i > 600) throw new Error('agents did not all connect');
    await sleep(250);
  }
  return sim;
}

const agentIds = Array.from({ length: agents }, (_, i) => `cmd-${i + 1}`);
const ping = (ids) => ({
  type: 'ping',
  target: { kind: 'agents', agentIds: ids },
  ttlSeconds: 900,
  timeoutSeconds: 1800,
});

async function waitFinished(total, timeoutMs) {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const { counts } = await scrape();
    if (finished(counts) >= total) return counts;
    if (Date.now() > giveUp) throw new Error(`not all commands finished: ${JSON.stringify(counts)}`);
    await sleep(50);
  }
}

async function sendBulks(count, concurrency, body) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await call('POST', '/api/v1/commands', body);
      }
    }),
  );
}

async function throughput(server, sim) {
  const bulks = positive('bulks', flags.bulks ?? '20');
  const total = agents * bulks;
  const before = { at: Date.now(), server: procStats(server.pid), sim: procStats(sim.pid) };
  await sendBulks(bulks, positive('concurrency', flags.concurrency), ping(agentIds));
  const createdAt = Date.now();
  const counts = await waitFinished(total, 300_000);
  const after = { at: Date.now(), server: procStats(server.pid), sim: procStats(sim.pid) };
  const seconds = (after.at - before.at) / 1000;
  return {
    commands: total,
    bulkRequests: bulks,
    createSeconds: round((createdAt - before.at) / 1000),
    endToEndSeconds: round(seconds),
    commandsPerSecondEndToEnd: Math.round(total / seconds),
    finalStatuses: counts,
    serverRssMiB: mib(after.server.rssBytes),
    serverCpuCores: round((after.server.cpuSeconds - before.server.cpuSeconds) / seconds),
    serverCpuMicrosecondsPerCommand: Math.round(
      ((after.server.cpuSeconds - before.server.cpuSeconds) / total) * 1e6,
    ),
    simulatorCpuCores: round((after.sim.cpuSeconds - before.sim.cpuSeconds) / seconds),
  };
}

async function childrenOf(parentId) {
  const items = [];
  let token;
  do {
    const query = `parentId=${parentId}&pageSize=500${token ? `&pageToken=${token}` : ''}`;
    const page = await call('GET', `/api/v1/commands?${query}`);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token);
  return items;
}

async function latency(server, sim) {
  const rate = positive('rate', flags.rate);
  const batch = positive('batch', flags.batch);
  if (batch > agents) usage('--batch must not exceed --agents');
  const measureMs = durationMs('duration', flags.duration);
  const intervalMs = (1000 * batch) / rate;
  const requests = Math.floor(measureMs / intervalMs);
  const parents = [];
  const pending = [];
  const before = { at: Date.now(), server: procStats(server.pid), sim: procStats(sim.pid) };
  const start = performance.now();
  for (let i = 0; i < requests; i++) {
    // Open loop: each request goes out on its schedule, whatever the ones before are doing.
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const offset = (i * batch) % agents;
    const ids = agentIds.slice(offset, offset + batch);
    pending.push(
      call('POST', '/api/v1/commands', ping(ids)).then((created) => parents.push(created.command.id)),
    );
  }
  const sentSeconds = (performance.now() - start) / 1000;
  await Promise.all(pending);
  const total = requests * batch;
  await waitFinished(total, 300_000);
  const after = { at: Date.now(), server: procStats(server.pid), sim: procStats(sim.pid) };
  const dispatchToResult = [];
  const createToResult = [];
  for (const parentId of parents) {
    for (const command of await childrenOf(parentId)) {
      const at = (status) => Date.parse(command.history.find((h) => h.status === status)?.at ?? 'x');
      dispatchToResult.push(at('succeeded') - at('dispatched'));
      createToResult.push(at('succeeded') - at('queued'));
    }
  }
  const seconds = (after.at - before.at) / 1000;
  return {
    offeredRate: rate,
    achievedRate: Math.round(total / sentSeconds),
    commands: total,
    requests,
    batch,
    dispatchToResultMs: percentiles(dispatchToResult),
    createToResultMs: percentiles(createToResult),
    serverRssMiB: mib(after.server.rssBytes),
    serverCpuCores: round((after.server.cpuSeconds - before.server.cpuSeconds) / seconds),
    simulatorCpuCores: round((after.sim.cpuSeconds - before.sim.cpuSeconds) / seconds),
  };
}

async function inflight(server) {
  const bulks = positive('bulks', flags.bulks ?? '100');
  const total = agents * bulks;
  await sendBulks(bulks, positive('concurrency', flags.concurrency), ping(agentIds));
  // Everything accepted and stored; let delivery fill the agents' windows and settle.
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const { counts } = await scrape();
    const out = (counts.dispatched ?? 0) + (counts.acknowledged ?? 0) + (counts.running ?? 0);
    if (out === last) break;
    last = out;
    await sleep(1000);
  }
  const { counts, heapUsed } = await scrape();
  const stats = await call('GET', '/api/v1/commands/stats');
  return {
    commands: total,
    unfinished: stats.unfinished,
    finished: finished(counts),
    byStatus: counts,
    outOnAgents: stats.instance.outOnAgents,
    waitingInLanes: stats.instance.waitingForDispatch,
    serverRssMiB: mib(procStats(server.pid).rssBytes),
    serverHeapUsedMiB: mib(heapUsed),
  };
}

const round = (n) => Number(n.toFixed(2));
const mib = (bytes) => Math.round(bytes / 2 ** 20);
function percentiles(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? null };
}

try {
  const server = local.child;
  await waitReady(local.apiUrl);
  const holdMs = flags.mode === 'inflight' ? durationMs('hold', flags.hold) : 0;
  const sim = await startAgents(holdMs > 0 ? ['--added-latency', `${holdMs}ms`] : []);
  const result =
    flags.mode === 'throughput'
      ? await throughput(server, sim)
      : flags.mode === 'latency'
        ? await latency(server, sim)
        : await inflight(server);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version };
  process.stdout.write(
    `${JSON.stringify({ mode: flags.mode, store: local.store, agents, ...result, machine }, null, 2)}\n`,
  );
} catch (error) {
  process.stderr.write(`bench:commands failed: ${error.message}\n${output.slice(-20).join('')}\n`);
  process.exitCode = 1;
} finally {
  await stopAll(children);
  await local.removeStore();
}
