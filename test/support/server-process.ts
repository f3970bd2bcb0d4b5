// Runs `corral serve` and `corral agent` as real child processes for integration
// tests: free loopback ports, a throwaway SQLite store, a generated admin key,
// captured output (quoted when something fails) and bounded start/stop. Needs a
// built tree (`npm run build`, which `npm test` runs first) because
// bin/corral.js loads the compiled code.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './wait-for.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORRAL_BIN = join(REPO_ROOT, 'bin/corral.js');

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
/** Output kept per stream; older output is dropped so a chatty process cannot exhaust memory. */
const OUTPUT_LIMIT = 1024 * 1024;

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly label: string;
  readonly child: ChildProcess;
  /** Resolves once the process has exited and its output is flushed. */
  readonly exited: Promise<ExitStatus>;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /**
   * Sends `signal` (SIGTERM by default) and waits for the exit, killing the process if it has
   * not exited within 15 s. Resolves to the exit code, or null when a signal ended the process.
   * Stopping a process that has already exited just returns its code.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerProcess extends ManagedProcess {
  /** host:port of the gRPC agent API. */
  readonly grpcAddress: string;
  /** http://host:port of the REST admin API, without a trailing slash. */
  readonly apiUrl: string;
  readonly metricsUrl: string;
  readonly adminKey: string;
  /** Holds the SQLite store; pass it to another startServerProcess to restart on the same state. */
  readonly dataDir: string;
  /** The environment the server was started with (on top of this process's own). */
  readonly env: Readonly<Record<string, string>>;
}

export interface StartServerOptions {
  /** Extra or overriding environment variables. */
  readonly env?: Record<string, string>;
  /** Reuse this directory (and the store in it) instead of a new temporary one. */
  readonly dataDir?: string;
}

const everyProcess: ManagedProcess[] = [];
const tempDirs = new Set<string>();

// A test that fails half-way must not leave servers running after the worker exits.
process.once('exit', () => {
  for (const managed of everyProcess) {
    if (managed.child.exitCode === null && managed.child.signalCode === null) managed.child.kill('SIGKILL');
  }
});

/** A new empty directory under the system temp dir, removed by removeTempDirs(). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Kills (SIGKILL) every process these helpers started that is still running, and waits for them. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all(
    everyProcess.map(async (managed) => {
      if (managed.child.exitCode === null && managed.child.signalCode === null) await managed.stop('SIGKILL');
    }),
  );
}

/** The captured output of every process started in this test file, for a failure report. */
export function allOutputs(): string {
  return everyProcess.map((managed) => `----- ${managed.label} -----\n${managed.output()}`).join('\n');
}

/** Loopback ports that were free a moment ago: each is bound to port 0, read, and released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              if (address === null || typeof address === 'string') reject(new Error('no port assigned'));
              else resolve(address.port);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }
}

/** An admin API key of the shape the server issues: `cak_` and 256 random bits, base64url. */
export function generateAdminKey(): string {
  return `cak_${randomBytes(32).toString('base64url')}`;
}

function spawnCorral(label: string, args: readonly string[], env: Record<string, string>): ManagedProcess {
  if (!existsSync(CORRAL_BIN)) throw new Error(`${CORRAL_BIN} does not exist`);
  return spawnManaged(label, process.execPath, [CORRAL_BIN, ...args], { env });
}

/**
 * Starts any program as a managed process: output captured, stopped by killAllProcesses(), quoted by
 * allOutputs(). Runs in the repository root unless `cwd` says otherwise; `env` adds to this process's.
 */
export function spawnManaged(
  label: string,
  file: string,
  args: readonly string[],
  options: { readonly env?: Record<string, string>; readonly cwd?: string } = {},
): ManagedProcess {
  const child = spawn(file, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const capture = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  const exited = new Promise<ExitStatus>((resolve) => {
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      resolve({ code, signal });
    };
    child.once('close', settle);
    // 'close' waits for stdio to end; a grandchild holding it open must not stall the test.
    child.once('exit', (code, signal) => setTimeout(() => settle(code, signal), 1_000).unref());
    child.once('error', (error) => {
      capture(Buffer.from(`\n[spawn error] ${error.message}\n`));
      settle(null, null);
    });
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
    const outcome = await Promise.race([exited, timer]);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${label} did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; output:\n${output}`);
    }
    return outcome.code;
  };

  const managed: ManagedProcess = { label, child, exited, output: () => output, stop };
  everyProcess.push(managed);
  return managed;
}

/**
 * Starts `corral serve` on free loopback ports with a SQLite store in `dataDir` and waits until
 * GET /readyz answers 200, failing with the server's output if it does not within 20 s.
 */
export async function startServerProcess(options: StartServerOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? makeTempDir('corral-server-');
  const [grpcPort, apiPort, metricsPort] = await freePorts(3);
  const adminKey = options.env?.ADMIN_API_KEY ?? generateAdminKey();
  const env: Record<string, string> = {
    STORE_URL: `sqlite:${join(dataDir, 'corral.db')}`,
    GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
    ADMIN_API_ADDR: `127.0.0.1:${apiPort}`,
    METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  // An address passed in `env` (to restart a server on the same port) is the one reported.
  const grpcAddress = env.GRPC_SERVER_ADDR ?? `127.0.0.1:${grpcPort}`;
  const managed = spawnCorral(`corral serve (${grpcAddress})`, ['serve'], env);
  const server: ServerProcess = {
    ...managed,
    grpcAddress,
    apiUrl: `http://${env.ADMIN_API_ADDR ?? `127.0.0.1:${apiPort}`}`,
    metricsUrl: `http://${env.METRICS_ADDR ?? `127.0.0.1:${metricsPort}`}`,
    adminKey,
    dataDir,
    env,
  };
  try {
    await waitUntilReady(server);
  } catch (error) {
    await managed.stop('SIGKILL');
    throw error;
  }
  return server;
}

async function waitUntilReady(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exit: ExitStatus | undefined;
  void server.exited.then((status) => (exit = status));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(
        `${server.label} exited (code ${exit.code}, signal ${exit.signal}) before it was ready; output:\n${server.output()}`,
      );
    }
    try {
      const response = await fetch(`${server.apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(
    `${server.label} was not ready within ${READY_TIMEOUT_MS} ms (last /readyz: ${last}); output:\n${server.output()}`,
  );
}

/** Starts `corral agent <args>`; it is not waited on, so poll the admin API for its effects. */
export function startAgentProcess(args: readonly string[], env: Record<string, string> = {}): ManagedProcess {
  return spawnCorral(`corral agent ${args.join(' ')}`, ['agent', ...args], { LOG_LEVEL: 'warn', ...env });
}

/** Starts `corral simulate <args>` (many agents in one process); poll the admin API for its effects. */
export function startSimulatorProcess(
  args: readonly string[],
  env: Record<string, string> = {},
): ManagedProcess {
  return spawnCorral(`corral simulate ${args.join(' ')}`, ['simulate', ...args], {
    LOG_LEVEL: 'warn',
    ...env,
  });
}

export interface ApiResponse<T> {
  readonly status: number;
  /** Parsed JSON when the response is JSON (including problem+json), otherwise the text. */
  readonly body: T;
  readonly headers: Headers;
}

export interface ApiClient {
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  patch<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  delete<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
}

/** A small client for the REST admin API that authenticates with the server's admin key. */
export function api(server: Pick<ServerProcess, 'apiUrl' | 'adminKey'>): ApiClient {
  const send = async <T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${server.adminKey}`,
      accept: 'application/json',
      ...extraHeaders,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.apiUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const isJson = /[/+]json\b/.test(response.headers.get('content-type') ?? '');
    return {
      status: response.status,
      body: (isJson && text !== '' ? JSON.parse(text) : text) as T,
      headers: response.headers,
    };
  };
  return {
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body),
    patch: (path, body, headers) => send('PATCH', path, body, headers),
    delete: (path, body) => send('DELETE', path, body),
  };
}
