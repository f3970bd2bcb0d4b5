// `corral loadtest`: sends agents × commands-per-agent commands through the
// admin API to simulated agents of its own and reports response times (POST
// to stored outcome), success rate and throughput (src/loadtest/). Against a
// running server (--server with --api-url/--api-key) or one started in this
// process (--in-process). Progress on stderr, the report on stdout. Exit 0
// when the run completed (failed commands included), 1 when it could not run,
// 2 on bad flags.
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { MAX_SIMULATED_AGENTS } from '../../agent/simulator.js';
import { COMMAND_TYPE_PATTERN } from '../../features/commands/command.js';
import type { LoadTestOptions } from '../../loadtest/load-test.js';
import { TYPE_ORDER_VALUES, type TypeOrder } from '../../loadtest/send-schedule.js';
import type { LogLevel } from '../../shared/logger.js';
import type { AdminClient } from '../admin-client.js';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';
import * as flag from './agent-flags.js';
import { runLoadtest } from './loadtest-run.js';

export interface LoadtestFlags extends AdminFlags, flag.FailureFlags {
  readonly agents: string;
  readonly commandsPerAgent: string;
  readonly types: string;
  readonly params?: string[];
  readonly typeOrder: TypeOrder;
  readonly rampUp: string;
  readonly duration: string;
  readonly reportInterval: string;
  readonly rate: string;
  readonly concurrency: string;
  readonly connectTimeout: string;
  readonly drainTimeout: string;
  readonly idPrefix?: string;
  readonly server?: string;
  readonly inProcess?: boolean;
  readonly tls?: boolean;
  readonly caFile?: string;
  readonly output: OutputFormat;
  readonly logLevel: string;
}

/** Where the server under test is: reached over the network, or started here. */
export type LoadtestTarget =
  | { readonly kind: 'server'; readonly serverAddress: string; readonly api: AdminClient }
  | { readonly kind: 'in-process' };

export interface LoadtestConfig {
  readonly test: Omit<LoadTestOptions, 'api' | 'serverAddress' | 'logger' | 'signal'>;
  readonly target: LoadtestTarget;
  readonly reportIntervalMs: number;
  readonly output: OutputFormat;
  readonly logLevel: LogLevel;
}

export type LoadtestRunner = (config: LoadtestConfig) => Promise<void>;

/** Every command is tracked until it ends; this bounds the memory that takes. */
export const MAX_LOADTEST_COMMANDS = 10_000_000;
const MAX_CONCURRENCY = 1_024;
const MAX_RATE = 1_000_000;
/** These stop or cut off the agent they reach: later commands to it could never finish. */
const DISRUPTIVE_TYPES = new Set(['shutdown', 'isolate']);

export function loadtestCommand(run: LoadtestRunner = runLoadtest): Command {
  const command = withAdminOptions(
    new Command('loadtest')
      .description('measure command response times and throughput with simulated agents')
      .option('--server <host:port>', 'gRPC endpoint of a running server (with --api-url and --api-key)')
      .option('--in-process', 'start a throwaway server in this process (temporary store, loopback ports)'),
  )
    .option('--agents <n>', `simulated agents (1-${MAX_SIMULATED_AGENTS})`, '10')
    .option('--commands-per-agent <n>', 'commands each agent receives over the run', '100')
    .option('--types <list>', 'command types to send, comma-separated', 'ping,status')
    .option(
      '--params <type=json>',
      'parameters for one of the types, e.g. scan={"durationSeconds":1} (repeatable)',
      flag.collect,
    )
    .addOption(
      new Option('--type-order <order>', 'which type each command gets')
        .choices(TYPE_ORDER_VALUES)
        .default('rotate'),
    )
    .option('--ramp-up <duration>', 'spread agent starts evenly over this time', '5s')
    .option('--duration <duration>', 'stop sending after this long; 0 sends every command', '0')
    .option('--rate <n>', 'target commands per second overall; 0 for as fast as --concurrency allows', '0')
    .option('--concurrency <n>', `create requests in flight at most (1-${MAX_CONCURRENCY})`, '16')
    .option('--report-interval <duration>', 'progress report interval on stderr; 0 for none', '5s')
    .option('--connect-timeout <duration>', 'how long after the ramp-up agents may take to connect', '60s')
    .option('--drain-timeout <duration>', 'how long to wait for outcomes after the last command', '60s')
    .option('--id-prefix <prefix>', 'agent ids are <prefix>-1 … <prefix>-N (default: a new random one)')
    .option('--tls', 'connect the agents with TLS')
    .option('--ca-file <file>', 'PEM CA bundle to verify the server (implies --tls)')
    .addOption(outputOption())
    .option('--log-level <level>', `agent (and in-process server) logs on stderr`, 'error');
  return flag
    .addFailureFlags(command, 'the agent drops its connection and restarts with its identity')
    .addHelpText(
      'after',
      '\nResponse time: from just before a command is created until the server has stored its outcome.\n' +
        'A running server rate-limits the admin API (API_RATE_LIMIT, per minute): raise it or use --rate.\n' +
        'A scan runs for its durationSeconds, minutes by default: --params \'scan={"durationSeconds":1}\'.\n' +
        'Examples:\n' +
        '  corral loadtest --in-process --agents 50 --commands-per-agent 20 -o json\n' +
        '  corral loadtest --server localhost:50051 --api-url http://localhost:8080 --api-key cak_... \\\n' +
        '      --agents 200 --types ping,status,scan --rate 100',
    )
    .action(async (flags: LoadtestFlags) => {
      await run(parseLoadtestFlags(flags));
    });
}

/** Checks every flag; throws a UsageError naming the first bad one. */
export function parseLoadtestFlags(
  flags: LoadtestFlags,
  newIdPrefix: () => string = () => `loadtest-${randomBytes(4).toString('hex')}`,
): LoadtestConfig {
  const agents = flag.wholeNumber('--agents', flags.agents, 1, MAX_SIMULATED_AGENTS);
  const commandsPerAgent = flag.wholeNumber(
    '--commands-per-agent',
    flags.commandsPerAgent,
    1,
    MAX_LOADTEST_COMMANDS,
  );
  if (agents * commandsPerAgent > MAX_LOADTEST_COMMANDS)
    throw new UsageError(
      `--commands-per-agent: --agents × --commands-per-agent must be at most ${MAX_LOADTEST_COMMANDS}`,
    );
  const types = commandTypes(flags.types);
  const caFile = flags.caFile === undefined ? undefined : flag.readableFile('--ca-file', flags.caFile);
  const tls = flags.tls === true || caFile !== undefined;
  return {
    test: {
      agents,
      commandsPerAgent,
      types,
      params: commandParams(flags.params ?? [], types),
      typeOrder: flags.typeOrder,
      rampUpMs: flag.duration('--ramp-up', flags.rampUp, { minMs: 0, maxMs: flag.ONE_DAY_MS }),
      durationMs: flag.duration('--duration', flags.duration, { minMs: 0 }),
      ratePerSecond: flag.wholeNumber('--rate', flags.rate, 0, MAX_RATE),
      concurrency: flag.wholeNumber('--concurrency', flags.concurrency, 1, MAX_CONCURRENCY),
      connectTimeoutMs: flag.duration('--connect-timeout', flags.connectTimeout, { minMs: 1_000 }),
      drainTimeoutMs: flag.duration('--drain-timeout', flags.drainTimeout, { minMs: 0 }),
      idPrefix: flag.idPrefix('--id-prefix', flags.idPrefix ?? newIdPrefix(), agents),
      tls,
      ...(caFile === undefined ? {} : { caFile }),
      ...flag.failureModesOption(flags),
    },
    target: target(flags, tls),
    reportIntervalMs: flag.reportInterval('--report-interval', flags.reportInterval),
    output: flags.output,
    logLevel: flag.logLevel('--log-level', flags.logLevel),
  };
}

function commandTypes(value: string): string[] {
  const types = flag.tokenList('--types', value);
  for (const type of types) {
    if (!COMMAND_TYPE_PATTERN.test(type))
      throw new UsageError(
        `--types: ${JSON.stringify(type)} is not a command type such as ping or custom:name`,
      );
    if (DISRUPTIVE_TYPES.has(type))
      throw new UsageError(`--types: ${type} would stop the agents the load test depends on`);
  }
  return types;
}

function commandParams(
  values: readonly string[],
  types: readonly string[],
): Record<string, Record<string, unknown>> {
  const params: Record<string, Record<string, unknown>> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const type = value.slice(0, Math.max(0, eq));
    if (!types.includes(type))
      throw new UsageError(
        `--params: ${JSON.stringify(value)} must be <type>=<json object> for a type in --types`,
      );
    if (type in params) throw new UsageError(`--params: ${type} is given twice`);
    params[type] = flag.jsonObject('--params', value.slice(eq + 1));
  }
  return params;
}

function target(flags: LoadtestFlags, tls: boolean): LoadtestTarget {
  if (flags.inProcess) {
    if (flags.server !== undefined) throw new UsageError('--server and --in-process exclude each other');
    if (tls) throw new UsageError('--tls and --ca-file need --server: the in-process server is plaintext');
    return { kind: 'in-process' };
  }
  if (flags.server === undefined)
    throw new UsageError('give --server host:port (with --api-url and --api-key) or --in-process');
  return {
    kind: 'server',
    serverAddress: flag.serverAddress('--server', flags.server),
    api: adminClient(flags),
  };
}
