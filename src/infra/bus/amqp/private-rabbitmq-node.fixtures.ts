// A RabbitMQ node of a test's own, for what cannot be done to the shared
// broker (other test files use it at the same time): stopping it and starting
// it again, a real restart that keeps durable exchanges, queues and persistent
// messages in its own data directory. It runs the installed broker
// (`/usr/lib/rabbitmq/bin/rabbitmq-server`, RABBITMQ_SERVER_SCRIPT overrides)
// with everything private: node name, AMQP and distribution ports on free
// loopback ports, configuration, plugins (none), Erlang cookie, data and logs
// under a temporary directory. It registers with the machine's epmd (the one
// the shared broker started) under its unique name; nothing of the shared
// node is read or changed. It starts in about 4 s on an idle 2-core machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { freePorts } from '../../../../test/support/server-process.js';
import { waitFor } from '../../../../test/support/wait-for.js';

export const RABBITMQ_SERVER_SCRIPT =
  process.env.RABBITMQ_SERVER_SCRIPT ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

export const hasRabbitMqServer = (): boolean => existsSync(RABBITMQ_SERVER_SCRIPT);

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT = 64 * 1024;

const running = new Set<ChildProcess>();
// A worker that ends half-way must not leave a broker behind: the script and the VM share a process group.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export class PrivateRabbitMqNode {
  readonly nodeName = `corral-test-${randomBytes(4).toString('hex')}@localhost`;
  private child: ChildProcess | undefined;
  private output = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'corral-rabbitmq-'));

  private constructor(
    readonly port: number,
    private readonly distPort: number,
  ) {
    mkdirSync(join(this.dir, 'home'));
    const cookie = join(this.dir, 'home', '.erlang.cookie');
    writeFileSync(cookie, randomBytes(20).toString('hex').toUpperCase());
    chmodSync(cookie, 0o400);
    writeFileSync(join(this.dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(this.dir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${port}\n`);
  }

  static async start(): Promise<PrivateRabbitMqNode> {
    const [port, distPort] = await freePorts(2);
    const node = new PrivateRabbitMqNode(port!, distPort!);
    await node.start();
    return node;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Starts the node on its data directory and waits until it accepts an AMQP connection. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.nodeName} is already running`);
    const env = {
      ...process.env,
      HOME: join(this.dir, 'home'),
      // Not /etc/rabbitmq/rabbitmq-env.conf, which names the shared node.
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_PID_FILE: join(this.dir, 'node.pid'),
    };
    const child = spawn(RABBITMQ_SERVER_SCRIPT, [], {
      env,
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const capture = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    child.once('exit', () => running.delete(child));
    running.add(child);
    this.child = child;
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
          const model = await connect(this.url, { timeout: 2_000 });
          await model.close();
          return true;
        },
        (up) => up,
        {
          description: `the private RabbitMQ node ${this.nodeName} to accept connections`,
          timeoutMs: START_TIMEOUT_MS,
          intervalMs: 200,
        },
      );
    } catch (error) {
      await this.kill();
      throw new Error(`${(error as Error).message}\n--- node output ---\n${this.output}`);
    }
  }

  /**
   * Stops the node as an operator would (SIGTERM: the start script asks the VM
   * to shut down cleanly, which closes every connection) and waits for it to exit.
   */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
    );
    if ((await Promise.race([exited, timer])) === 'timeout') {
      killGroup(child, 'SIGKILL');
      await exited;
      throw new Error(`${this.nodeName} did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    }
  }

  /** Kills the script and the VM at once (clean-up after a failure). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, 'SIGKILL');
    await exited;
  }

  /** The end of what the node printed, for a failure report. */
  recentOutput(): string {
    return this.output.slice(-4_000);
  }

  async dispose(): Promise<void> {
    await this.stop().catch(() => this.kill());
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
