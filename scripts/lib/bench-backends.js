// The shared backends a benchmark run works on, made its own and removed after it:
// a PostgreSQL schema, a Redis key prefix, RabbitMQ exchanges. Also the CPU the
// backend processes on this machine spend during a run (/proc), so a report can
// say where the time went. Used by startBenchServer (local-server.js).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const POSTGRES = /^postgres(ql)?:\/\//;
const REDIS = /^(redis|rediss|valkey|valkeys):\/\//;
const AMQP = /^amqps?:\/\//;

/**
 * Why `instances` servers cannot share these backends, or undefined when they can. Several
 * instances need a shared store, cache and bus: on SQLite each would have its own database, and
 * on `memory:` they would neither see each other's agents nor take turns at the background sweeps.
 */
export function scaleOutProblem({ instances, storeUrl, cacheUrl, busUrl }) {
  if (!Number.isInteger(instances) || instances < 1) return '--instances must be a positive whole number';
  if (storeUrl !== undefined && !POSTGRES.test(storeUrl) && !storeUrl.startsWith('sqlite:'))
    return '--store-url must be sqlite:… or postgres://…';
  if (cacheUrl !== undefined && !REDIS.test(cacheUrl))
    return '--cache-url must be redis://… (or rediss://, valkey://)';
  if (busUrl !== undefined && !AMQP.test(busUrl)) return '--bus-url must be amqp://… or amqps://…';
  if (instances === 1) return undefined;
  if (storeUrl === undefined || !POSTGRES.test(storeUrl))
    return `--instances ${instances} needs a shared store: give --store-url postgres://… (SQLite is one process's)`;
  if (cacheUrl === undefined)
    return `--instances ${instances} needs a shared cache: give --cache-url redis://…`;
  if (busUrl === undefined) return `--instances ${instances} needs a shared bus: give --bus-url amqp://…`;
  return undefined;
}

/**
 * Settings for the run's backends and how to remove what it made. `storeUrl`: SQLite in `dir` when
 * undefined; a PostgreSQL URL without `?schema=` gets a new schema (dropped afterwards). `cacheUrl`
 * gets a key prefix of the run's own (its keys deleted afterwards); `busUrl` exchanges of the
 * run's own (deleted afterwards; the instances' own queues are exclusive and go with them).
 */
export function benchBackends({ storeUrl, cacheUrl, busUrl, dir }) {
  const run = randomBytes(5).toString('hex');
  const store = benchStore(storeUrl, dir, run);
  const env = { STORE_URL: store.url };
  const cleanups = [];
  // The cache's and bus's server processes, found once (a scan of every process's sockets).
  let sharedPids;
  const sharedServers = () => [
    ...(cacheUrl === undefined ? [] : listeners(portOf(cacheUrl, 6379), 'redis')),
    ...(busUrl === undefined ? [] : listeners(portOf(busUrl, 5672), 'rabbitmq')),
  ];
  if (store.schema !== undefined) cleanups.push(() => dropSchema(store));
  if (cacheUrl !== undefined) {
    env.CACHE_URL = cacheUrl;
    env.CACHE_KEY_PREFIX = `corral-bench:${run}:`;
    cleanups.push(() => deleteKeys(cacheUrl, env.CACHE_KEY_PREFIX));
  }
  if (busUrl !== undefined) {
    env.BUS_URL = busUrl;
    env.BUS_EXCHANGE = `corral.bench.${run}.events`;
    env.BUS_INSTANCE_EXCHANGE = `corral.bench.${run}.instances`;
    cleanups.push(() => deleteExchanges(busUrl, [env.BUS_EXCHANGE, env.BUS_INSTANCE_EXCHANGE]));
  }
  return {
    run,
    env,
    /** `sqlite` or `postgres`, `memory` or `redis`, `memory` or `amqp`, for the report. */
    describe: {
      store: store.kind,
      cache: cacheUrl === undefined ? 'memory' : 'redis',
      bus: busUrl === undefined ? 'memory' : 'amqp',
    },
    /** STORE_URL for one instance: on PostgreSQL tagged with application_name, to find its connections. */
    storeUrlFor(instanceId) {
      if (store.kind !== 'postgres') return store.url;
      const url = new URL(store.url);
      url.searchParams.set('application_name', instanceId);
      return url.toString();
    },
    /** The run's Redis keys by family with their memory (undefined without a cache URL). */
    cacheFootprint: () =>
      cacheUrl === undefined ? Promise.resolve(undefined) : cacheFootprint(cacheUrl, env.CACHE_KEY_PREFIX),
    /** CPU seconds per backend process now (see backendCpu). */
    sampleCpu: (instanceIds) => backendCpu({ store, instanceIds, shared: (sharedPids ??= sharedServers()) }),
    /** Removes the schema, keys and exchanges this run made; reports a failure but tries all. */
    async remove() {
      const failures = [];
      for (const cleanup of cleanups) await cleanup().catch((error) => failures.push(error.message));
      if (failures.length > 0) throw new Error(`clean-up incomplete: ${failures.join('; ')}`);
    },
  };
}

function benchStore(storeUrl, dir, run) {
  if (storeUrl === undefined) return { url: `sqlite:${join(dir, 'corral.db')}`, kind: 'sqlite' };
  if (!POSTGRES.test(storeUrl)) return { url: storeUrl, kind: storeUrl.split(':')[0] };
  const url = new URL(storeUrl);
  const admin = new URL(url);
  for (const name of ['schema', 'pool']) admin.searchParams.delete(name);
  if (url.searchParams.has('schema')) return { url: storeUrl, kind: 'postgres', adminUrl: admin.toString() };
  const schema = `corral_bench_${run}`;
  url.searchParams.set('schema', schema);
  return { url: url.toString(), kind: 'postgres', schema, adminUrl: admin.toString() };
}

async function withPostgres(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const dropSchema = ({ schema, adminUrl }) =>
  withPostgres(adminUrl, (client) => client.query(`drop schema if exists "${schema}" cascade`));

/** Runs `work(client, keys)` on every batch of keys under `prefix` (SCAN, never KEYS). */
async function eachKeyBatch(cacheUrl, prefix, work) {
  const { Redis } = await import('ioredis');
  const client = new Redis(cacheUrl.replace(/^valkey/, 'redis'), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await work(client, keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

const deleteKeys = (cacheUrl, prefix) =>
  eachKeyBatch(cacheUrl, prefix, (client, keys) => client.unlink(...keys));

/**
 * The run's keys by family (`presence:agent`, `cache:session`, `instance`, …): how many, and the
 * bytes Redis accounts to them (MEMORY USAGE: key, value and their overhead).
 */
async function cacheFootprint(cacheUrl, prefix) {
  const families = {};
  await eachKeyBatch(cacheUrl, prefix, async (client, keys) => {
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key);
    const sizes = await pipeline.exec();
    keys.forEach((key, i) => {
      const parts = key.slice(prefix.length).split(':');
      const family = ['cache', 'presence'].includes(parts[0]) ? parts.slice(0, 2).join(':') : parts[0];
      const entry = (families[family] ??= { keys: 0, bytes: 0 });
      entry.keys += 1;
      entry.bytes += Number(sizes[i]?.[1] ?? 0);
    });
  });
  return families;
}

async function deleteExchanges(busUrl, names) {
  const { connect } = await import('amqplib');
  const model = await connect(busUrl, { clientProperties: { connection_name: 'corral bench clean-up' } });
  model.on('error', () => undefined);
  try {
    const channel = await model.createChannel();
    for (const name of names) await channel.deleteExchange(name);
    await channel.close();
  } finally {
    await model.close();
  }
}

const TICKS_PER_SECOND = 100;

/** utime+stime of a process in seconds, or undefined when it is gone. */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds so far of the backend processes on this machine, by pid and kind: the PostgreSQL
 * backends serving this run's instances (found by application_name), and `shared`, the processes
 * listening on the cache's and the bus's ports. The last two are shared with whoever else uses those servers, so
 * their figures are upper bounds of this run's share.
 */
async function backendCpu({ store, instanceIds, shared }) {
  const processes = [...shared];
  if (store.kind === 'postgres') {
    const rows = await withPostgres(store.adminUrl, (client) =>
      client.query('select pid from pg_stat_activity where application_name = any($1)', [instanceIds]),
    );
    for (const { pid } of rows.rows) processes.push({ pid, kind: 'postgres' });
  }
  return processes.map((p) => ({ ...p, cpuSeconds: cpuSecondsOf(p.pid) }));
}

/**
 * Sums per kind the CPU each backend process spent between two samples (only processes present
 * in both; a PostgreSQL backend that came or went meanwhile is missed).
 */
export function backendCpuBetween(before, after) {
  const sums = {};
  for (const p of after) {
    const start = before.find((b) => b.pid === p.pid && b.kind === p.kind);
    if (start?.cpuSeconds === undefined || p.cpuSeconds === undefined) continue;
    sums[p.kind] = (sums[p.kind] ?? 0) + p.cpuSeconds - start.cpuSeconds;
  }
  return sums;
}

const portOf = (url, fallback) => Number(new URL(url).port || fallback);

/** Processes with a listening TCP socket on `port` (any address), from /proc. */
function listeners(port, kind) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]);
      } catch {
        return false;
      }
    });
    if (holds) found.push({ pid: Number(pid), kind });
  }
  return found;
}
