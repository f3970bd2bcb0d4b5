// `corral simulate`: runs N simulated agents in this process against a Corral
// server, printing progress on stderr and a summary on stdout (JSON with
// -o json). Stops on SIGTERM/SIGINT or after --duration. Exit 1 if every agent
// was refused, 2 on bad flags.
import { Command, Option } from 'commander';
import type { SimulationOptions, SimulationReport, SimulationSummary } from '../../agent/simulator.js';
import { MAX_SIMULATED_AGENTS, runSimulation } from '../../agent/simulator.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import type { LogLevel } from '../../shared/logger.js';
import { createLogger } from '../../shared/logger.js';
import type { OutputFormat } from '../output.js';
import { outputOption, printRecords } from '../output.js';
import { UsageError } from '../usage-error.js';
import * as flag from './agent-flags.js';

export interface SimulateFlags extends flag.FailureFlags, flag.CommandLimitFlags {
  readonly server?: string;
  readonly enrollSecret?: string;
  readonly agents?: string;
  readonly rampUp: string;
  readonly heartbeatInterval?: string;
  readonly warmupInterval?: string;
  readonly maxBufferKib?: string;
  readonly rejectConfigRate?: string;
  readonly idPrefix: string;
  readonly duration: string;
  readonly reportInterval: string;
  readonly output: OutputFormat;
  readonly tls?: boolean;
  readonly caFile?: string;
  readonly sharedConnection?: boolean;
  readonly logLevel: string;
}

export interface SimulateConfig {
  readonly simulation: Omit<SimulationOptions, 'logger' | 'onReport'>;
  readonly output: OutputFormat;
  readonly logLevel: LogLevel;
}

export type SimulateRunner = (config: SimulateConfig) => Promise<void>;

export function simulateCommand(run: SimulateRunner = runSimulate): Command {
  const command = new Command('simulate')
    .description('simulate a fleet of agents in this process (load tests, demos)')
    .option('--server <host:port[,host:port...]>', flag.SERVER_FLAG_HELP)
    .addOption(new Option('--enroll-secret <secret>', 'enrollment secret').env(flag.ENROLL_SECRET_ENV))
    .option('--agents <n>', `number of agents (1-${MAX_SIMULATED_AGENTS})`)
    .option('--ramp-up <duration>', 'spread agent starts evenly over this time', '10s')
    .option(
      '--heartbeat-interval <duration>',
      "fixed heartbeat interval (default: the configuration's reportIntervalSeconds, else the server's)",
    )
    .option(
      '--warmup-interval <duration>',
      'heartbeat interval until every agent is connected (needs --heartbeat-interval)',
    )
    .option('--max-buffer-kib <n>', flag.MAX_BUFFER_FLAG_HELP)
    .option(
      '--reject-config-rate <0..1>',
      'simulate refusals: share of agents that refuse every configuration (reported FAILED)',
    )
    .option('--id-prefix <prefix>', 'agent ids are <prefix>-1 … <prefix>-N', 'sim')
    .option('--duration <duration>', 'stop after this long; 0 runs until SIGINT/SIGTERM', '0')
    .option('--report-interval <duration>', 'progress report interval on stderr; 0 for none', '5s')
    .addOption(outputOption())
    .option('--tls', 'connect with TLS')
    .option('--ca-file <file>', 'PEM CA bundle to verify the server (implies --tls)')
    .option('--shared-connection', 'multiplex all agents over one connection instead of one each')
    .option('--log-level <level>', `agent logs on stderr: one of ${flag.LOG_LEVELS.join(', ')}`, 'error');
  return flag
    .addFailureFlags(
      flag.addCommandLimitFlags(command),
      'the agent drops its connection and restarts with its identity',
    )
    .addHelpText(
      'after',
      '\nEach agent opens its own TCP connection unless --shared-connection: raise the open-files limit\n' +
        '(ulimit -n) above the number of agents. Agents enroll on first start, so a second run needs a\n' +
        'new --id-prefix or the previous agents unregistered.\n' +
        'Example:\n  corral simulate --server localhost:7443 --enroll-secret ces_... --agents 1000 --ramp-up 30s',
    )
    .action(async (flags: SimulateFlags) => {
      await run(parseSimulateFlags(flags));
    });
}

/** Checks every flag; throws a UsageError naming the first bad one. */
export function parseSimulateFlags(flags: SimulateFlags): SimulateConfig {
  if (flags.agents === undefined) throw new UsageError('--agents is required');
  const agents = flag.wholeNumber('--agents', flags.agents, 1, MAX_SIMULATED_AGENTS);
  const enrollmentSecret = flag.enrollmentSecret('--enroll-secret', flags.enrollSecret);
  if (enrollmentSecret === undefined) {
    throw new UsageError(`--enroll-secret (or ${flag.ENROLL_SECRET_ENV}) is required`);
  }
  const idPrefix = flag.idPrefix('--id-prefix', flags.idPrefix, agents);
  const caFile = flags.caFile === undefined ? undefined : flag.readableFile('--ca-file', flags.caFile);
  return {
    simulation: {
      serverAddress: flag.serverAddresses('--server', flags.server),
      enrollmentSecret,
      agents,
      rampUpMs: flag.duration('--ramp-up', flags.rampUp, { minMs: 0, maxMs: flag.ONE_DAY_MS }),
      ...flag.heartbeatIntervalOption(flags.heartbeatInterval),
      ...warmup(flags),
      ...flag.maxBufferOption(flags.maxBufferKib),
      ...(flags.rejectConfigRate === undefined
        ? {}
        : { rejectConfigRate: flag.rate('--reject-config-rate', flags.rejectConfigRate) }),
      idPrefix,
      durationMs: flag.duration('--duration', flags.duration, { minMs: 0 }),
      reportIntervalMs: flag.reportInterval('--report-interval', flags.reportInterval),
      tls: flags.tls === true || caFile !== undefined,
      ...(caFile === undefined ? {} : { caFile }),
      separateConnections: flags.sharedConnection !== true,
      ...flag.commandLimitsOption(flags),
      ...flag.failureModesOption(flags),
    },
    output: flags.output,
    logLevel: flag.logLevel('--log-level', flags.logLevel),
  };
}

function warmup(flags: SimulateFlags): { warmupIntervalMs?: number } {
  if (flags.warmupInterval === undefined) return {};
  if (flags.heartbeatInterval === undefined)
    throw new UsageError('--warmup-interval needs --heartbeat-interval');
  return {
    warmupIntervalMs: flag.duration('--warmup-interval', flags.warmupInterval, flag.HEARTBEAT_BOUNDS),
  };
}

/** One progress line for stderr. */
export function formatProgress(report: SimulationReport): string {
  const seconds = (report.elapsedMs / 1_000).toFixed(1);
  return (
    `[${seconds.padStart(7)}s] connected ${report.connected}/${report.agents}` +
    ` (started ${report.started}, failed ${report.failed})` +
    ` | heartbeats ${report.heartbeatsSentPerSecond}/s sent, ${report.heartbeatsAckedPerSecond}/s acked` +
    `, ack p99 ${report.ackLatencyMs.p99} ms` +
    ` | reconnects ${report.reconnects} | errors ${report.errors} (+${report.newErrors})`
  );
}

async function runSimulate(config: SimulateConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, format: 'json' });
  const signals = flag.firstSignal();
  const simulation = runSimulation({
    ...config.simulation,
    logger: logger.child({ component: 'simulator' }),
    onReport: (report) => process.stderr.write(`${formatProgress(report)}\n`),
  });
  const first = await Promise.race([simulation.done, signals.received]);
  signals.dispose();
  if (typeof first === 'string')
    process.stderr.write(`${first}: stopping ${simulation.stats().started} agents…\n`);
  const summary = typeof first === 'string' ? await simulation.stop() : first;
  printSummary(config.output, summary);
  logger.flush();
  if (summary.failed > 0 && summary.failed === summary.agents) {
    const reason = summary.topErrors[0]?.error ?? 'unknown reason';
    throw new CorralError(ErrorCode.PreconditionFailed, `every simulated agent was refused: ${reason}`);
  }
}

function printSummary(format: OutputFormat, summary: SimulationSummary): void {
  const { ackLatencyMs, topErrors, ...numbers } = summary;
  const rows = [
    ...Object.entries(numbers).map(([metric, value]) => ({ metric, value })),
    ...Object.entries(ackLatencyMs).map(([key, value]) => ({ metric: `ackLatencyMs.${key}`, value })),
    ...topErrors.map(({ error, count }) => ({ metric: `error (${count}x)`, value: error })),
  ];
  printRecords(format, summary, rows, ['metric', 'value']);
}
