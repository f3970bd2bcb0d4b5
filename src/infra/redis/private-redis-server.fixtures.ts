// A Redis server of a test's own, on a free loopback port, for what cannot
// be done to the shared one: stopping it (an outage) and starting it again
// (a restart). With `persistent`, every write is on disk before it is
// acknowledged (append-only file, fsync always), so data survives a SIGKILL
// and a restart, as on a production server. Its directory is removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from '../../../test/support/wait-for.js';

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BINARY ?? '/usr/bin/redis-server';

export const hasRedisServerBinary = (): boolean => existsSync(REDIS_SERVER_BINARY);

export class PrivateRedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'corral-redis-'));

  private constructor(
    readonly port: number,
    private readonly persistent: boolean,
  ) {}

  static async start(options: { persistent?: boolean } = {}): Promise<PrivateRedisServer> {
    const server = new PrivateRedisServer(await freePort(), options.persistent ?? false);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const child = spawn(
      REDIS_SERVER_BINARY,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir],
      { stdio: 'ignore' },
    );
    this.child = child;
    await waitFor(
      () => ping(this.url),
      (ok) => ok,
      {
        description: `the private redis-server on port ${this.port} to answer`,
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
  }

  /** Kills the server (SIGKILL) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
