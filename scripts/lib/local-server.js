// Helpers the benchmarks and the demo share for driving a local `corral serve`:
// starting one or several sharing their backends, free loopback ports, readiness, admin API calls, /proc figures
// and stopping child processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendCpuBetween, benchBackends, cpuSecondsOf, scaleOutProblem } from './bench-backends.js';

export { backendCpuBetween, scaleOutProblem };

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port free right now. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Waits (up to 20 s) until GET <apiUrl>/readyz answers 200. */
export async function waitReady(apiUrl) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${apiUrl}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error('the server did not become ready in 20 s');
}

/** A JSON admin API call with the given key; throws with the problem text on a non-2xx answer. */
export function adminApi(apiUrl, adminKey) {
  return async (method, path, body) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
}

/**
 * The Prometheus text of a /metrics URL; throws on any other answer (the server answers 500 for the
 * whole scrape when one store-backed gauge cannot be read), so a benchmark never reads zeros.
 */
export async function scrapeText(metricsUrl) {
  const response = await fetch(metricsUrl);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${metricsUrl}: ${response.status} ${text.slice(0, 200)}`);
  return text;
}

/** utime+stime in seconds and RSS in bytes of a live process, from /proc. */
export function procStats(pid) {
  const cpuSeconds = cpuSecondsOf(pid) ?? Number.NaN;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds, rssBytes: rssKb * 1024 };
}

/** The 1-, 5- and 15-minute load averages, rounded: a busy machine shows in them. */
export const loadAverage = () => loadavg().map((n) => Number(n.toFixed(2)));

/**
 * On SIGINT or SIGTERM (Ctrl-C), stops `children` (read when the signal comes) and runs `cleanUp`
 * (the run's schema, keys and exchanges) before exiting with 130, instead of leaving them behind.
 */
export function cleanUpOnInterrupt(children, cleanUp) {
  const handler = async (signal) => {
    process.stderr.write(`${signal}: stopping the servers and removing the run's data\n`);
    await stopAll(children, 5000);
    await cleanUp().catch((error) => process.stderr.write(`${error.message}\n`));
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, handler);
}

/** Stops child processes in reverse start order: SIGTERM, up to `graceMs` to exit, then SIGKILL. */
export async function stopAll(children, graceMs = 15_000) {
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `instances` (default 1) `node bin/corral.js serve` for a benchmark, sharing one store, cache
 * and bus (benchBackends: SQLite in a temp directory unless `storeUrl` names PostgreSQL; `cacheUrl`
 * and `busUrl` if given, under a key prefix and exchanges of the run's own), each with its own
 * INSTANCE_ID (`bench-<run>-<n>`) and free loopback ports, one generated admin key, `env` on top.
 * The first is started and ready before the others start (it migrates the schema and stores the
 * key). Several instances need PostgreSQL, Redis and RabbitMQ (scaleOutProblem says what is
 * missing). Extra node flags for the servers come from BENCH_SERVER_NODE_ARGS (e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof"). Their stderr goes to `output`, tagged by instance.
 * `child`, `grpcAddress`, `apiUrl` and `metricsUrl` are the first instance's; `servers` lists all.
 */
export async function startBenchServer(
  corral,
  { env = {}, output = [], storeUrl, cacheUrl, busUrl, instances = 1 } = {},
) {
  const problem = scaleOutProblem({ instances, storeUrl, cacheUrl, busUrl });
  if (problem !== undefined) throw new Error(problem);
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-'));
  const backends = benchBackends({ storeUrl, cacheUrl, busUrl, dir });
  const adminKey = `cak_${randomBytes(32).toString('base64url')}`;
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const cleanUp = async () => {
    rmSync(dir, { recursive: true, force: true });
    await backends.remove();
  };
  const servers = [];
  const spawnServer = async (n) => {
    const instanceId = `bench-${backends.run}-${n}`;
    const [grpcPort, apiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, [...nodeArgs, corral, 'serve'], {
      env: {
        ...process.env,
        ...backends.env,
        STORE_URL: backends.storeUrlFor(instanceId),
        INSTANCE_ID: instanceId,
        GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
        ADMIN_API_ADDR: `127.0.0.1:${apiPort}`,
        METRICS_ADDR: `127.0.0.1:${metricsPort}`,
        ADMIN_API_KEY: adminKey,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const tag = instances === 1 ? '[server]' : `[server ${n}]`;
    child.stderr.on('data', (chunk) => output.push(`${tag} ${chunk}`));
    const server = {
      instanceId,
      child,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    };
    servers.push(server);
    return server;
  };
  try {
    const first = await spawnServer(1);
    if (instances > 1) {
      await waitReady(first.apiUrl);
      const rest = [];
      for (let n = 2; n <= instances; n++) rest.push(await spawnServer(n));
      await Promise.all(rest.map((server) => waitReady(server.apiUrl)));
    }
  } catch (error) {
    await stopAll(servers.map((s) => s.child));
    await cleanUp();
    throw error;
  }
  const [first] = servers;
  return {
    servers,
    child: first.child,
    grpcAddress: first.grpcAddress,
    apiUrl: first.apiUrl,
    metricsUrl: first.metricsUrl,
    dir,
    adminKey,
    /** `sqlite` or `postgres`, for the report. */
    store: backends.describe.store,
    /** Store, cache and bus kinds, for the report. */
    backends: backends.describe,
    /** CPU seconds so far of the backend processes serving the run (bench-backends.js). */
    sampleBackendCpu: () => backends.sampleCpu(servers.map((s) => s.instanceId)),
    /** The run's Redis keys by family, count and bytes; undefined on memory:. */
    cacheFootprint: () => backends.cacheFootprint(),
    /** Removes the temp directory and the schema, keys and exchanges made for this run (after the servers stopped). */
    removeStore: cleanUp,
  };
}
