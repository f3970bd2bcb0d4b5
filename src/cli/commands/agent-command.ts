// `corral agent`: runs the reference agent until SIGTERM/SIGINT (exit 0) or
// until the server refuses it for good (exit 1 with the reason). Bad flags are
// UsageErrors (exit 2). Logs are JSON lines on stderr.
import { Command, Option } from 'commander';
import { FileIdentityStore } from '../../agent/identity-store.js';
import type { ReferenceAgentConfig } from '../../agent/reference-agent.js';
import { startReferenceAgent } from '../../agent/reference-agent.js';
import { CorralError } from '../../shared/errors.js';
import type { LogLevel } from '../../shared/logger.js';
import { createLogger } from '../../shared/logger.js';
import { UsageError } from '../usage-error.js';
import * as flag from './agent-flags.js';

export interface AgentFlags extends flag.FailureFlags, flag.CommandLimitFlags {
  readonly server?: string;
  readonly enrollSecret?: string;
  readonly stateDir: string;
  readonly agentId?: string;
  readonly name?: string;
  readonly type?: string;
  readonly capabilities?: string;
  readonly label?: string[];
  readonly heartbeatInterval?: string;
  readonly maxBufferKib?: string;
  readonly tls?: boolean;
  readonly caFile?: string;
  /** Absent: `info` until the configuration sets a level. */
  readonly logLevel?: string;
}

export interface AgentCommandConfig extends ReferenceAgentConfig {
  readonly logLevel: LogLevel;
}

export type AgentRunner = (config: AgentCommandConfig) => Promise<void>;

export const DEFAULT_STATE_DIR = './.corral-agent';
const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** Exit code of the simulated crash (--crash-after): EX_SOFTWARE. */
export const CRASH_EXIT_CODE = 70;

export function agentCommand(run: AgentRunner = runAgent): Command {
  const command = new Command('agent')
    .description('run the reference agent: enroll once, then stream heartbeats with host metrics')
    .option('--server <host:port[,host:port...]>', flag.SERVER_FLAG_HELP)
    .addOption(
      new Option('--enroll-secret <secret>', 'enrollment secret, needed only for the first start').env(
        flag.ENROLL_SECRET_ENV,
      ),
    )
    .option('--state-dir <dir>', 'private directory for the agent identity', DEFAULT_STATE_DIR)
    .option('--agent-id <id>', 'agent id to enroll with (default: assigned by the server)')
    .option('--name <name>', 'display name (default: hostname)')
    .option('--type <type>', 'kind of agent, e.g. blocking, scanner, monitor')
    .option('--capabilities <list>', 'comma list of capabilities, e.g. block,scan')
    .option('--label <key=value>', 'label, repeatable', flag.collect)
    .option(
      '--heartbeat-interval <duration>',
      "fixed heartbeat interval, e.g. 5s (default: the configuration's reportIntervalSeconds, else the server's)",
    )
    .option('--max-buffer-kib <n>', flag.MAX_BUFFER_FLAG_HELP)
    .option('--tls', 'connect with TLS')
    .option('--ca-file <file>', 'PEM CA bundle to verify the server (implies --tls)')
    .option(
      '--log-level <level>',
      `fixed log level, one of ${flag.LOG_LEVELS.join(', ')} (default: info, then the configuration's logLevel)`,
    );
  return flag
    .addFailureFlags(flag.addCommandLimitFlags(command), `the process exits with code ${CRASH_EXIT_CODE}`)
    .addHelpText(
      'after',
      `\nThe enrollment secret can also come from ${flag.ENROLL_SECRET_ENV} (preferable: flags are visible to other users).\n` +
        'Examples:\n  corral agent --server localhost:7443 --enroll-secret ces_... --type blocking --label site=lab\n' +
        '  corral agent --server corral-1:7443,corral-2:7443,corral-3:7443 --state-dir /var/lib/corral-agent',
    )
    .action(async (flags: AgentFlags) => {
      await run(parseAgentFlags(flags));
    });
}

/** Checks every flag; throws a UsageError naming the first bad one. */
export function parseAgentFlags(flags: AgentFlags): AgentCommandConfig {
  const caFile = flags.caFile === undefined ? undefined : flag.readableFile('--ca-file', flags.caFile);
  return {
    serverAddress: flag.serverAddresses('--server', flags.server),
    enrollmentSecret: flag.enrollmentSecret('--enroll-secret', flags.enrollSecret),
    stateDir: flag.text('--state-dir', flags.stateDir, 4_096),
    facts: {
      ...(flags.agentId === undefined ? {} : { agentId: flag.agentId('--agent-id', flags.agentId) }),
      ...(flags.name === undefined ? {} : { name: flag.text('--name', flags.name, 256) }),
      ...(flags.type === undefined ? {} : { type: flag.token('--type', flags.type) }),
      capabilities:
        flags.capabilities === undefined ? [] : flag.tokenList('--capabilities', flags.capabilities),
      labels: flag.labels('--label', flags.label ?? []),
    },
    ...flag.heartbeatIntervalOption(flags.heartbeatInterval),
    ...flag.maxBufferOption(flags.maxBufferKib),
    tls: flags.tls === true || caFile !== undefined,
    ...(caFile === undefined ? {} : { caFile }),
    ...flag.commandLimitsOption(flags),
    ...flag.failureModesOption(flags),
    logLevel: flags.logLevel === undefined ? DEFAULT_LOG_LEVEL : flag.logLevel('--log-level', flags.logLevel),
    logLevelFixed: flags.logLevel !== undefined,
  };
}

async function runAgent(config: AgentCommandConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, format: 'json' });
  // Fail early, as a usage problem, when the agent could not possibly start.
  if (!config.enrollmentSecret && !(await new FileIdentityStore(config.stateDir).load())) {
    throw new UsageError(
      `--enroll-secret (or ${flag.ENROLL_SECRET_ENV}) is required: there is no agent identity in ${config.stateDir} yet`,
    );
  }
  const signals = flag.firstSignal();
  const agent = startReferenceAgent(
    {
      ...config,
      onCrash: () => {
        // Abrupt on purpose: no TerminateSession, no goodbye on the stream.
        logger.error({ exitCode: CRASH_EXIT_CODE }, 'simulated crash (--crash-after): exiting');
        logger.flush();
        process.exit(CRASH_EXIT_CODE);
      },
    },
    logger,
  );
  logger.info(
    { server: config.serverAddress, stateDir: config.stateDir, tls: config.tls },
    'reference agent starting',
  );
  const first = await Promise.race([agent.stopped, signals.received]);
  signals.dispose();
  let result;
  if (typeof first === 'string') {
    logger.info({ signal: first }, 'stopping');
    result = await agent.stop();
  } else {
    result = first;
  }
  logger.info({ failed: result.failed }, 'reference agent stopped');
  logger.flush();
  if (result.failed) {
    // Thrown for the CLI entry point to print and turn into exit code 1.
    throw new CorralError(
      result.error.code,
      `${result.error.message} (identity file: ${agent.identityFile})`,
      {
        cause: result.error,
      },
    );
  }
}
