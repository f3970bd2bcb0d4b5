// A real Prometheus for tests of the monitoring kit (deploy/monitoring): Debian's
// `prometheus` and `promtool` (scripts/ci/install-system-packages.sh installs
// them). `startPrometheus` runs a private server on a free loopback port with a
// temporary storage directory and a configuration it writes, never the system
// service. When a binary is missing, suites fail under CI (CI set) and are
// skipped elsewhere, with a loud warning.
import { spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRequiring } from './describe-requiring.js';
import { freePorts, makeTempDir, spawnManaged, type ManagedProcess } from './server-process.js';
import { sleep } from './wait-for.js';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';
export const PROMTOOL_BINARY = process.env.PROMTOOL_BINARY ?? '/usr/bin/promtool';

const READY_TIMEOUT_MS = 20_000;

/** Why the Prometheus binaries cannot be used, or undefined when both are there. */
export function prometheusToolsMissing(): string | undefined {
  const missing = [PROMETHEUS_BINARY, PROMTOOL_BINARY].filter((binary) => {
    try {
      accessSync(binary, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0
    ? undefined
    : `no executable ${missing.join(' or ')} (Debian package prometheus; PROMETHEUS_BINARY and PROMTOOL_BINARY override)`;
}

/** `describe` for suites that need prometheus and promtool: fails under CI without them, skips loudly elsewhere. */
export function describeWithPrometheus(name: string, body: () => void): void {
  describeRequiring(
    name,
    prometheusToolsMissing(),
    'install them: apt-get install --no-install-recommends prometheus (scripts/ci/install-system-packages.sh)',
    body,
  );
}

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `promtool args…`, with `input` on its standard input; never throws for a non-zero exit. */
export function promtool(args: readonly string[], input = ''): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

export interface PrometheusOptions {
  /** host:port of each Corral metrics endpoint, scraped as job "corral" (the job the rules expect). */
  readonly targets: readonly string[];
  /** Absolute paths of rule files to load. */
  readonly ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval; short, so a test sees changes within seconds. */
  readonly intervalSeconds?: number;
}

/** One sample of an instant vector. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusProcess extends ManagedProcess {
  /** http://127.0.0.1:port */
  readonly url: string;
  /** GET /api/v1/<path> and its `data`; throws on an HTTP error or status "error" with Prometheus' message. */
  api<T>(path: string): Promise<T>;
  /** An instant query; throws when Prometheus refuses it (bad PromQL). */
  query(expr: string): Promise<Sample[]>;
}

/** Starts prometheus on a free loopback port and waits until /-/ready answers 200. */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusProcess> {
  const dir = makeTempDir('corral-prometheus-');
  const interval = `${options.intervalSeconds ?? 1}s`;
  const configFile = join(dir, 'prometheus.yml');
  // JSON is YAML: no YAML writer needed.
  writeFileSync(
    configFile,
    JSON.stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles,
      scrape_configs: [{ job_name: 'corral', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const [port] = await freePorts(1);
  const address = `127.0.0.1:${port}`;
  const managed = spawnManaged(
    `prometheus (${address})`,
    PROMETHEUS_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--log.level=warn',
    ],
    { cwd: dir },
  );
  const url = `http://${address}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  const server: PrometheusProcess = {
    ...managed,
    url,
    api,
    async query(expr) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `query?query=${encodeURIComponent(expr)}`,
      );
      return data.result.map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
    },
  };
  await waitUntilReady(server);
  return server;
}

async function waitUntilReady(server: PrometheusProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void server.exited.then(() => (exited = true));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${server.label} exited before it was ready; output:\n${server.output()}`);
    try {
      const response = await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  await server.stop('SIGKILL');
  throw new Error(
    `${server.label} was not ready within ${READY_TIMEOUT_MS} ms (last: ${last}); output:\n${server.output()}`,
  );
}
