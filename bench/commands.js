#!/usr/bin/env node
// `npm run bench:commands`: end-to-end command throughput on the embedded
// default. Starts a real `corral serve` and `corral simulate` (N agents, each on
// its own connection), then sends bulk `ping` commands to all agents through the
// admin API and measures how fast commands go from created to succeeded
// (stored, delivered, acknowledged, run, result stored), from the server's
// `corral_commands{status}` gauge. Loopback only; stops by itself.
//   npm run bench:commands -- [--agents 1000] [--bulks 20] [--concurrency 4]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminApi, freePort, procStats, sleep, waitReady } from '../scripts/lib/local-server.js';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corral = join(root, 'bin/corral.js');
const { values: flags } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    bulks: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
  },
});
const positive = (name) => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench:commands: --${name} must be a positive whole number\n`);
    process.exit(2);
  }
  return n;
};
const agents = positive('agents');
const bulks = positive('bulks');
const concurrency = positive('concurrency');
const dir = mkdtempSync(join(tmpdir(), 'corral-bench-commands-'));
const [grpcPort, apiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
const adminKey = `cak_${randomBytes(32).toString('base64url')}`;
const apiUrl = `http://127.0.0.1:${apiPort}`;
const children = [];
const output = [];
// Extra node flags for the server only, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const server = spawn(process.execPath, [...serverNodeArgs, corral, 'serve'], {
  env: {
    ...process.env,
    STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
    GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
    ADMIN_API_ADDR: `127.0.0.1:${apiPort}`,
    METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'warn',
    API_RATE_LIMIT: '100000',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
children.push(server);
server.stderr.on('data', (chunk) => output.push(`[server] ${chunk}`));

const call = adminApi(apiUrl, adminKey);
const commandCounts = async () => {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts = {};
  for (const line of text.split('\n')) {
    const match = /^corral_commands\{status="([a-z_]+)"\} (\d+)/.exec(line);
    if (match) counts[match[1]] = Number(match[2]);
  }
  const connections = Number(/^corral_agent_connections (\d+)/m.exec(text)?.[1] ?? 0);
  return { counts, connections };
};

try {
  await waitReady(apiUrl);
  const { secret } = await call('POST', '/api/v1/enrollment-secrets', { name: 'bench', maxUses: agents });
  const sim = spawn(
    process.execPath,
    [
      corral,
      'simulate',
      '--server',
      `127.0.0.1:${grpcPort}`,
      '--enroll-secret',
      secret,
      '--agents',
      String(agents),
      '--ramp-up',
      '10s',
      '--heartbeat-interval',
      '10s',
      '--id-prefix',
      'cmd',
      '--report-interval',
      '0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  sim.stderr.on('data', (chunk) => output.push(`[sim] ${chunk}`));
  children.push(sim);
  for (let i = 0; (await commandCounts()).connections < agents; i++) {
    if (i > 600) throw new Error('agents did not all connect');
    await sleep(250);
  }
  const agentIds = Array.from({ length: agents }, (_, i) => `cmd-${i + 1}`);
  const total = agents * bulks;
  const before = { at: Date.now(), server: procStats(server.pid), sim: procStats(sim.pid) };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bulks) {
        next += 1;
        await call('POST', '/api/v1/commands', {
          type: 'ping',
          target: { kind: 'agents', agentIds },
          ttlSeconds: 600,
          timeoutSeconds: 900,
        });
      }
    }),
  );
  const createdAt = Date.now();
  let counts = {};
  for (let i = 0; ; i++) {
    counts = (await commandCounts()).counts;
    const finished = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'].reduce(
      (sum, s) => sum + (counts[s] ?? 0),
      0,
    );
    if (finished >= total) break;
    if (i > 2400) throw new Error(`not all commands finished: ${JSON.stringify(counts)}`);
    await sleep(50);
  }
  const after = { at: Date.now(), server: procStats(server.pid), sim: procStats(sim.pid) };
  const seconds = (after.at - before.at) / 1000;
  process.stdout.write(
    `${JSON.stringify(
      {
        agents,
        commands: total,
        bulkRequests: bulks,
        createSeconds: Number(((createdAt - before.at) / 1000).toFixed(2)),
        endToEndSeconds: Number(seconds.toFixed(2)),
        commandsPerSecondEndToEnd: Math.round(total / seconds),
        finalStatuses: counts,
        serverRssMiB: Math.round(after.server.rssBytes / 2 ** 20),
        serverCpuCores: Number(((after.server.cpuSeconds - before.server.cpuSeconds) / seconds).toFixed(2)),
        simulatorCpuCores: Number(((after.sim.cpuSeconds - before.sim.cpuSeconds) / seconds).toFixed(2)),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
      },
      null,
      2,
    )}\n`,
  );
} catch (error) {
  process.stderr.write(`bench:commands failed: ${error.message}\n${output.slice(-20).join('')}\n`);
  process.exitCode = 1;
} finally {
  for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
  await sleep(1500);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
