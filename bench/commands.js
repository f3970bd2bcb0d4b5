#!/usr/bin/env node
// `npm run bench:commands`: commands end to end. Starts a real `corral serve`
// (SQLite in a temp directory, or --store-url; see --instances for several) and `corral simulate`
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
//   --cache-url redis://127.0.0.1:6379 and --bus-url amqp://guest:guest@127.0.0.1:5672: Redis and
//   RabbitMQ instead of memory: (a key prefix and exchanges of the run's own, removed after it).
//   --instances N (default 1; more than one needs all three): N servers sharing them, one
//   simulator per instance with agents/N of the agents; bulk requests go to the instances' APIs in
//   turn (round robin, as behind a load balancer), so about (N-1)/N of each bulk's commands are
//   for agents held by another instance and travel as instance signals (ADR 0017).
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
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
    'cache-url': { type: 'string' },
    'bus-url': { type: 'string' },
    instances: { type: 'string', default: '1' },
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
const instances = positive('instances', flags.instances);
const backendFlags = { storeUrl: flags['store-url'], cacheUrl: flags['cache-url'], busUrl: flags['bus-url'] };
const problem = scaleOutProblem({ instances, ...backendFlags });
if (problem !== undefined) usage(problem);
if (agents < instances) usage('--agents must be at least --instances');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];

const output = [];
const local = await startBenchServer(corral, {
  env: { API_RATE_LIMIT: '100000' },
  output,
  ...backendFlags,
  instances,
});
const { servers } = local;
const children = servers.map((s) => s.child);
cleanUpOnInterrupt(children, local.removeStore);
const calls = servers.map((s) => adminApi(s.apiUrl, local.adminKey));
const call = calls[0];
let turn = 0;
/** The next instance's API, in turn. */
const nextCall = () => calls[turn++ % calls.length];

/** Every instance's metrics: commands by status from the store (cached 2 s by the server), the rest summed. */
async function scrape() {
  const texts = await Promise.all(servers.map((s) => scrapeText(s.metricsUrl)));
  const counts = {};
  for (const match of texts[0].matchAll(/^corral_commands\{status="([a-z_]+)"\} (\d+)/gm))
    counts[match[1]] = Number(match[2]);
  const sum = (pattern) =>
    texts.reduce(
      (total, text) => total + [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0),
      0,
    );
  return {
    counts,
    connections: sum(/^corral_agent_connections (\d+)/gm),
    // Commands whose final status an instance stored for one of its agents: counted as it happens.
    executed: sum(/^corral_agent_commands_executed_total\{[^}]*\} (\d+)/gm),
    heapUsed: texts.map((text) => Number(/^corral_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? 0)),
  };
}
const finished = (counts) => TERMINAL.reduce((sum, s) => sum + (counts[s] ?? 0), 0);

/** Agents of simulator (and instance) n, 0-based: agents split evenly. */
const agentsOf = (n) => Math.floor(agents / instances) + (n < agents % instances ? 1 : 0);
const idPrefixOf = (n) => (instances === 1 ? 'cmd' : `cmd${n + 1}`);

/** One simulator per instance, its agents connected to that instance only. */
async function startAgents(extraArgs) {
  const sims = [];
  for (const [n, server] of servers.entries()) {
    const count = agentsOf(n);
    const { secret } = await call('POST', '/api/v1/enrollment-secrets', {
      name: `bench-${n + 1}`,
      maxUses: count,
    });
    const sim = spawn(
      process.execPath,
      [
        corral,
        'simulate',
        ...['--server', server.grpcAddress, '--enroll-secret', secret, '--agents', String(count)],
        ...['--ramp-up', `${durationMs('ramp-up', flags['ramp-up'])}ms`, '--heartbeat-interval', '10s'],
        ...['--id-prefix', idPrefixOf(n), '--report-interval', '0'],
        ...extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    sim.stderr.on('data', (chunk) => output.push(`[sim ${n + 1}] ${chunk}`));
    children.push(sim);
    sims.push(sim);
  }
  // A scrape may fail while the agents' enrollments keep the store busy: ask again.
  for (let i = 0; ((await scrape().catch(() => undefined))?.connections ?? 0) < agents; i++) {
    if (i > 600 + durationMs('ramp-up', flags['ramp-up']) / 250)
      throw new Error('agents did not all connect');
    await sleep(250);
  }
  return sims;
}

const agentIds = servers.flatMap((_, n) =>
  Array.from({ length: agentsOf(n) }, (_, i) => `${idPrefixOf(n)}-${i + 1}`),
);

/** CPU and memory of every process in the run, and of the backends, at one moment. */
async function snapshot(sims) {
  return {
    at: Date.now(),
    servers: servers.map((s) => procStats(s.child.pid)),
    sims: sims.map((s) => procStats(s.pid)),
    backends: await local.sampleBackendCpu(),
    load: loadAverage(),
  };
}

/**
 * Per instance: CPU seconds, cores, CPU per command (the instance's CPU over all the run's
 * commands, so the instances' figures add up to the total), RSS; totals; the simulators; the
 * backends' CPU (PostgreSQL: this run's connections; Redis and RabbitMQ: the whole server process,
 * shared with anyone else using it); the load average before and after.
 */
function costs(before, after, commands) {
  const seconds = (after.at - before.at) / 1000;
  const perCommand = (cpu) => Math.round((cpu / commands) * 1e6);
  const perInstance = servers.map((s, n) => {
    const cpu = after.servers[n].cpuSeconds - before.servers[n].cpuSeconds;
    return {
      instanceId: s.instanceId,
      agents: agentsOf(n),
      cpuSeconds: round(cpu),
      cpuCores: round(cpu / seconds),
      cpuMicrosecondsPerCommand: perCommand(cpu),
      rssMiB: mib(after.servers[n].rssBytes),
    };
  });
  const serverCpu = perInstance.reduce((sum, i) => sum + i.cpuSeconds, 0);
  const simCpu = after.sims.reduce((sum, s, n) => sum + s.cpuSeconds - before.sims[n].cpuSeconds, 0);
  const backendCpu = backendCpuBetween(before.backends, after.backends);
  return {
    instances: perInstance,
    serverCpuSeconds: round(serverCpu),
    serverCpuCores: round(serverCpu / seconds),
    serverCpuMicrosecondsPerCommand: perCommand(serverCpu),
    serverRssMiB: perInstance.reduce((sum, i) => sum + i.rssMiB, 0),
    simulatorCpuCores: round(simCpu / seconds),
    backendCpu: Object.fromEntries(
      Object.entries(backendCpu).map(([kind, cpu]) => [
        kind,
        {
          cpuSeconds: round(cpu),
          cpuCores: round(cpu / seconds),
          cpuMicrosecondsPerCommand: perCommand(cpu),
        },
      ]),
    ),
    loadAverage: { start: before.load, end: after.load },
  };
}
const ping = (ids) => ({
  type: 'ping',
  target: { kind: 'agents', agentIds: ids },
  ttlSeconds: 900,
  timeoutSeconds: 1800,
});

/**
 * Waits until the instances have stored a final status for `total` commands (their counters, as it
 * happens), takes `snapshot(sims)` at once, then waits for the store's counts to agree (that gauge
 * is cached 2 s by the server, so it is not the clock). Returns the snapshot and the final counts.
 * Polls every 100 ms: each scrape costs the servers CPU (prom-client's process metrics), about 5%
 * of their time when polled every 20 ms.
 */
async function waitFinished(total, timeoutMs, sims) {
  const giveUp = Date.now() + timeoutMs;
  let done;
  for (;;) {
    const { counts, executed } = await scrape();
    if (done === undefined && executed >= total) done = await snapshot(sims);
    if (done !== undefined && finished(counts) >= total) return { done, counts };
    if (Date.now() > giveUp)
      throw new Error(`not all commands finished: ${executed} executed, ${JSON.stringify(counts)}`);
    await sleep(done === undefined ? 100 : 250);
  }
}

/** `count` POSTs of `body`, `concurrency` at a time, each to the next instance in turn. */
async function sendBulks(count, concurrency, body) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await nextCall()('POST', '/api/v1/commands', body);
      }
    }),
  );
}

async function throughput(sims) {
  const bulks = positive('bulks', flags.bulks ?? '20');
  const total = agents * bulks;
  const executedBefore = (await scrape()).executed;
  const before = await snapshot(sims);
  await sendBulks(bulks, positive('concurrency', flags.concurrency), ping(agentIds));
  const createdAt = Date.now();
  const { done: after, counts } = await waitFinished(total + executedBefore, 300_000, sims);
  const seconds = (after.at - before.at) / 1000;
  return {
    commands: total,
    bulkRequests: bulks,
    createSeconds: round((createdAt - before.at) / 1000),
    endToEndSeconds: round(seconds),
    commandsPerSecondEndToEnd: Math.round(total / seconds),
    finalStatuses: counts,
    ...costs(before, after, total),
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

async function latency(sims) {
  const rate = positive('rate', flags.rate);
  const batch = positive('batch', flags.batch);
  if (batch > agents) usage('--batch must not exceed --agents');
  const measureMs = durationMs('duration', flags.duration);
  const intervalMs = (1000 * batch) / rate;
  const requests = Math.floor(measureMs / intervalMs);
  const parents = [];
  const pending = [];
  const before = await snapshot(sims);
  const start = performance.now();
  for (let i = 0; i < requests; i++) {
    // Open loop: each request goes out on its schedule, whatever the ones before are doing.
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const offset = (i * batch) % agents;
    const ids = agentIds.slice(offset, offset + batch);
    pending.push(
      nextCall()('POST', '/api/v1/commands', ping(ids)).then((created) => parents.push(created.command.id)),
    );
  }
  const sentSeconds = (performance.now() - start) / 1000;
  await Promise.all(pending);
  const total = requests * batch;
  const { done: after } = await waitFinished(total, 300_000, sims);
  const dispatchToResult = [];
  const createToResult = [];
  for (const parentId of parents) {
    for (const command of await childrenOf(parentId)) {
      const at = (status) => Date.parse(command.history.find((h) => h.status === status)?.at ?? 'x');
      dispatchToResult.push(at('succeeded') - at('dispatched'));
      createToResult.push(at('succeeded') - at('queued'));
    }
  }
  return {
    offeredRate: rate,
    achievedRate: Math.round(total / sentSeconds),
    commands: total,
    requests,
    batch,
    dispatchToResultMs: percentiles(dispatchToResult),
    createToResultMs: percentiles(createToResult),
    ...costs(before, after, total),
  };
}

async function inflight() {
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
  const stats = await Promise.all(calls.map((c) => c('GET', '/api/v1/commands/stats')));
  const rss = servers.map((s) => mib(procStats(s.child.pid).rssBytes));
  return {
    commands: total,
    unfinished: stats[0].unfinished,
    finished: finished(counts),
    byStatus: counts,
    outOnAgents: stats.reduce((sum, s) => sum + s.instance.outOnAgents, 0),
    waitingInLanes: stats.reduce((sum, s) => sum + s.instance.waitingForDispatch, 0),
    instances: servers.map((s, n) => ({
      instanceId: s.instanceId,
      outOnAgents: stats[n].instance.outOnAgents,
      waitingInLanes: stats[n].instance.waitingForDispatch,
      rssMiB: rss[n],
      heapUsedMiB: mib(heapUsed[n]),
    })),
    serverRssMiB: rss.reduce((sum, n) => sum + n, 0),
    serverHeapUsedMiB: mib(heapUsed.reduce((sum, n) => sum + n, 0)),
    loadAverage: loadAverage(),
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
  await Promise.all(servers.map((s) => waitReady(s.apiUrl)));
  const holdMs = flags.mode === 'inflight' ? durationMs('hold', flags.hold) : 0;
  const sims = await startAgents(holdMs > 0 ? ['--added-latency', `${holdMs}ms`] : []);
  const result =
    flags.mode === 'throughput'
      ? await throughput(sims)
      : flags.mode === 'latency'
        ? await latency(sims)
        : await inflight();
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version };
  const report = {
    mode: flags.mode,
    ...local.backends,
    instanceCount: instances,
    agents,
    ...result,
    machine,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`bench:commands failed: ${error.message}\n${output.slice(-20).join('')}\n`);
  process.exitCode = 1;
} finally {
  await stopAll(children);
  await local.removeStore();
}
