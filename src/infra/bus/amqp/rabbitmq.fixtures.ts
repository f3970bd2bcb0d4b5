// Test helpers for the real RabbitMQ on this machine (127.0.0.1:5672,
// guest/guest; CORRAL_TEST_AMQP_URL overrides). Every name a test creates is
// unique (uniqueName) and is the only thing it deletes; connections are found
// by their connection_name client property, never closed wholesale.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { redactUrl } from './amqp-url.js';

const run = promisify(execFile);

export const TEST_AMQP_URL = process.env.CORRAL_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Whether RabbitMQ answers. Without it the AMQP suites are skipped with a loud
 * warning, except in CI (CI set), where its absence fails the run.
 */
export async function rabbitMqAvailable(): Promise<boolean> {
  try {
    const model = await connect(TEST_AMQP_URL, { timeout: 3_000 });
    await model.close();
    return true;
  } catch (error) {
    const problem = `RabbitMQ is not reachable at ${redactUrl(TEST_AMQP_URL)} (${(error as Error).message})`;
    if (process.env.CI) throw new Error(`${problem}: CI needs it (scripts/ci/ensure-services.sh starts it)`);
    console.warn(
      `\n${'!'.repeat(78)}\n${problem}.\nSKIPPING the AMQP event bus tests. Start it with:\n` +
        `  rabbitmq-server -detached && rabbitmqctl await_startup\n${'!'.repeat(78)}\n`,
    );
    return false;
  }
}

/** `corral.test.<what>.<random>`: a name no other test run uses. */
export function uniqueName(what: string): string {
  return `corral.test.${what}.${randomBytes(5).toString('hex')}`;
}

/** A plain connection for set-up, inspection and clean-up of a test's own objects. */
export class BrokerAdmin {
  private constructor(private readonly model: ChannelModel) {}

  static async open(): Promise<BrokerAdmin> {
    const model = await connect(TEST_AMQP_URL, {
      clientProperties: { connection_name: uniqueName('admin') },
    });
    model.on('error', () => undefined);
    return new BrokerAdmin(model);
  }

  /** Runs work on a fresh channel (a failed operation closes its channel, not the others). */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.model.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Ready (not yet delivered) messages in a queue. */
  async readyCount(queue: string): Promise<number> {
    return this.withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);
  }

  async deleteExchange(name: string): Promise<void> {
    await this.withChannel((channel) => channel.deleteExchange(name)).catch(() => undefined);
  }

  async deleteQueue(name: string): Promise<void> {
    await this.withChannel((channel) => channel.deleteQueue(name)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }
}

/**
 * Closes, from the broker's side, every connection whose connection_name is
 * exactly this one (as a broker restart or a network cut would end it).
 * Returns how many it closed.
 */
export async function closeConnectionsNamed(connectionName: string): Promise<number> {
  // One line per connection: `<rabbit@host.1.234.0>\t[{"connection_name","..."},...]`. (The JSON
  // formatter prints pids in a form close_connection does not take.)
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    '-q',
    '--no-table-headers',
    'pid',
    'client_properties',
  ]);
  const property = `{"connection_name","${connectionName}"}`;
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(property))
    .map((line) => line.split('\t')[0] ?? '');
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'closed by a Corral test']);
  return pids.length;
}
