// Helpers the benchmarks and the demo share for driving a local `corral serve`:
// starting one, free loopback ports, readiness, admin API calls, /proc figures
// and stopping child processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

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

const TICKS_PER_SECOND = 100;

/** utime+stime in seconds and RSS in bytes of a live process, from /proc. */
export function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds, rssBytes: rssKb * 1024 };
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
 * The store a benchmark server runs on: `storeUrl` as given, except that a PostgreSQL URL without
 * `?schema=` gets a new schema of its own (dropped by removeStore), so every run starts empty; or,
 * with no `storeUrl`, SQLite in `dir`.
 */
function benchStore(storeUrl, dir) {
  if (storeUrl === undefined) return { url: `sqlite:${join(dir, 'corral.db')}`, kind: 'sqlite' };
  if (!/^postgres(ql)?:\/\//.test(storeUrl)) return { url: storeUrl, kind: storeUrl.split(':')[0] };
  const url = new URL(storeUrl);
  if (url.searchParams.has('schema')) return { url: storeUrl, kind: 'postgres' };
  const schema = `corral_bench_${randomBytes(5).toString('hex')}`;
  url.searchParams.set('schema', schema);
  const admin = new URL(url);
  for (const name of ['schema', 'pool']) admin.searchParams.delete(name);
  return { url: url.toString(), kind: 'postgres', schema, adminUrl: admin.toString() };
}

async function dropSchema({ schema, adminUrl }) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Starts `node bin/corral.js serve` for a benchmark: a temp directory, the store benchStore picks
 * (SQLite there unless `storeUrl` names another), free loopback ports, a generated admin key,
 * `env` on top. Extra node flags for the server alone come from BENCH_SERVER_NODE_ARGS (e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof"). Its stderr goes to `output`.
 */
export async function startBenchServer(corral, { env = {}, output = [], storeUrl } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-'));
  const store = benchStore(storeUrl, dir);
  const [grpcPort, apiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const adminKey = `cak_${randomBytes(32).toString('base64url')}`;
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, corral, 'serve'], {
    env: {
      ...process.env,
      STORE_URL: store.url,
      GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
      ADMIN_API_ADDR: `127.0.0.1:${apiPort}`,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (chunk) => output.push(`[server] ${chunk}`));
  return {
    child,
    dir,
    adminKey,
    /** `sqlite` or `postgres`, for the report. */
    store: store.kind,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    /** Removes the temp directory and the schema made for this run, if any (after the server stopped). */
    removeStore: async () => {
      rmSync(dir, { recursive: true, force: true });
      if (store.schema !== undefined) await dropSchema(store);
    },
  };
}
