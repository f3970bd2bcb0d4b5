// The benchmarks' scale-out mode (bench/commands.js --instances, scripts/lib/local-server.js): refused
// with exit code 2 without the shared backends it needs; on PostgreSQL, Redis and RabbitMQ, two
// instances share one run's schema, key prefix and exchanges, every command succeeds, the report has
// each instance's CPU per command, and the schema, keys and exchanges are gone afterwards.
// Skipped loudly when a backend is down, except under CI, where that fails.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'amqplib';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { rabbitMqAvailable, TEST_AMQP_URL } from '../../src/infra/bus/amqp/rabbitmq.fixtures.js';
import { describeWithRedis, REDIS_TEST_URL, TestRedis } from '../../src/infra/redis/test-redis.fixtures.js';
import { describeOnPostgres, TEST_POSTGRES_URL } from '../../src/infra/store/sql/test-databases.fixtures.js';
import { REPO_ROOT } from '../support/server-process.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bench/commands.js ...args` to its end (bounded). */
function benchCommands(args: readonly string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench/commands.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const backendFlags = [
  ...['--store-url', TEST_POSTGRES_URL],
  ...['--cache-url', REDIS_TEST_URL],
  ...['--bus-url', TEST_AMQP_URL],
];

describe('bench:commands --instances without shared backends', () => {
  it.each([
    ['SQLite', ['--instances', '2'], /--instances 2 needs a shared store: give --store-url postgres/],
    [
      'no cache',
      ['--instances', '2', '--store-url', 'postgres://127.0.0.1/x'],
      /needs a shared cache: give --cache-url/,
    ],
    [
      'no bus',
      ['--instances', '2', '--store-url', 'postgres://127.0.0.1/x', '--cache-url', 'redis://127.0.0.1'],
      /needs a shared bus: give --bus-url/,
    ],
    ['a bad cache URL', ['--cache-url', 'http://127.0.0.1'], /--cache-url must be redis:\/\//],
    ['zero instances', ['--instances', '0'], /--instances must be a positive whole number/],
  ])('exits 2 naming what is missing: %s', async (_, args, message) => {
    const run = await benchCommands(args, 20_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

const redis = new TestRedis();
const amqpUp = await rabbitMqAvailable();

await describeWithRedis('bench:commands --instances 2 on PostgreSQL, Redis and RabbitMQ', () => {
  describeOnPostgres('two instances', () => {
    (amqpUp ? it : it.skip)(
      'reports each instance and leaves no schema, key or exchange behind',
      async () => {
        const run = await benchCommands([
          ...['--agents', '20', '--bulks', '3', '--ramp-up', '1s', '--instances', '2'],
          ...backendFlags,
        ]);
        expect(run.code, run.stderr).toBe(0);
        const report = JSON.parse(run.stdout) as {
          store: string;
          cache: string;
          bus: string;
          instanceCount: number;
          commands: number;
          finalStatuses: Record<string, number>;
          instances: { instanceId: string; agents: number; cpuMicrosecondsPerCommand: number }[];
          serverCpuMicrosecondsPerCommand: number;
          loadAverage: { start: number[]; end: number[] };
        };
        expect([report.store, report.cache, report.bus, report.instanceCount]).toEqual([
          'postgres',
          'redis',
          'amqp',
          2,
        ]);
        expect(report.commands).toBe(60);
        expect(report.finalStatuses.succeeded).toBe(60);
        expect(report.instances.map((i) => i.agents)).toEqual([10, 10]);
        for (const instance of report.instances)
          expect(instance.cpuMicrosecondsPerCommand).toBeGreaterThan(0);
        // The instances' shares add up to the total (each figure rounded on its own).
        const sum = report.instances.reduce((total, i) => total + i.cpuMicrosecondsPerCommand, 0);
        expect(Math.abs(report.serverCpuMicrosecondsPerCommand - sum)).toBeLessThanOrEqual(2);
        expect(report.loadAverage.start).toHaveLength(3);

        // bench-<run>-<n>: the run's schema, key prefix and exchanges are named after <run>.
        const runId = /^bench-([0-9a-f]{10})-1$/.exec(report.instances[0]?.instanceId ?? '')?.[1];
        expect(runId).toBeDefined();
        const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
        await client.connect();
        try {
          const schemas = await client.query('select 1 from pg_namespace where nspname = $1', [
            `corral_bench_${runId}`,
          ]);
          expect(schemas.rowCount).toBe(0);
        } finally {
          await client.end();
        }
        const admin = await redis.admin();
        try {
          const left: string[] = [];
          let cursor = '0';
          do {
            const [next, keys] = await admin.scan(cursor, 'MATCH', `corral-bench:${runId}:*`, 'COUNT', 1000);
            left.push(...keys);
            cursor = next;
          } while (cursor !== '0');
          expect(left).toEqual([]);
        } finally {
          admin.disconnect();
        }
        const broker = await connect(TEST_AMQP_URL);
        try {
          for (const exchange of [`corral.bench.${runId}.events`, `corral.bench.${runId}.instances`]) {
            const channel = await broker.createChannel();
            channel.on('error', () => undefined);
            await expect(channel.checkExchange(exchange)).rejects.toThrow(/NOT_FOUND/);
          }
        } finally {
          await broker.close().catch(() => undefined);
        }
      },
      150_000,
    );
  });
});
