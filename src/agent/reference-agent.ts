// The reference agent: one AgentClient with its identity and the ids of the
// commands it has accepted in a private state directory, real host metrics in
// its heartbeats, and the built-in command handlers doing real work. What `corral agent` runs,
// and a template for agents written against the protocol in other languages.
import { CORRAL_VERSION } from '../app/version.js';
import type { Logger } from '../shared/logger.js';
import type { FactsInput } from './agent-facts.js';
import { hostFacts } from './agent-facts.js';
import type { AgentStopResult } from './agent-client.js';
import { AgentClient } from './agent-client.js';
import type { FailureModes } from './commands/command-types.js';
import { FileSeenCommands } from './commands/seen-commands.js';
import { HostMetrics } from './host-metrics.js';
import { FileIdentityStore } from './identity-store.js';

export interface ReferenceAgentConfig {
  /** One address, or several instances of one fleet to rotate through. */
  readonly serverAddress: string | readonly string[];
  /** Needed only until the agent has enrolled. */
  readonly enrollmentSecret?: string;
  readonly stateDir: string;
  readonly facts: FactsInput;
  /** Fixed heartbeat interval; by default the configuration's reportIntervalSeconds, else the server's. */
  readonly heartbeatIntervalMs?: number;
  /** The operator chose the log level: the configuration's logLevel is not applied. */
  readonly logLevelFixed?: boolean;
  /** Memory budget for the event buffer in KiB (default 65536): larger configurations are refused. */
  readonly maxEventBufferKiB?: number;
  readonly tls: boolean;
  readonly caFile?: string;
  /** Commands running at once (default 4). */
  readonly maxConcurrentCommands?: number;
  /** Commands taken at once, running plus queued, stated to the server (default 4 × concurrency). */
  readonly commandCapacity?: number;
  readonly failureModes?: FailureModes;
  /** The simulated crash is due (failureModes.crashAfter); `corral agent` exits the process. */
  readonly onCrash?: () => void;
}

export interface ReferenceAgent {
  readonly client: AgentClient;
  /** Where the identity (and its credential) is kept. */
  readonly identityFile: string;
  /** Settles when the agent has stopped, by stop() or because the server refused it. */
  readonly stopped: Promise<AgentStopResult>;
  stop(): Promise<AgentStopResult>;
}

export function startReferenceAgent(config: ReferenceAgentConfig, logger: Logger): ReferenceAgent {
  const store = new FileIdentityStore(config.stateDir);
  const metrics = new HostMetrics();
  let client: AgentClient;
  try {
    client = new AgentClient({
      serverAddress: config.serverAddress,
      tls: config.tls,
      caFile: config.caFile,
      enrollmentSecret: config.enrollmentSecret,
      facts: hostFacts(config.facts),
      identityStore: store,
      metrics: () => metrics.sample(),
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      logLevelFixed: config.logLevelFixed,
      maxEventBufferKiB: config.maxEventBufferKiB,
      seenCommands: new FileSeenCommands(config.stateDir),
      ...(config.maxConcurrentCommands === undefined
        ? {}
        : { maxConcurrentCommands: config.maxConcurrentCommands }),
      ...(config.commandCapacity === undefined ? {} : { commandCapacity: config.commandCapacity }),
      ...(config.failureModes === undefined ? {} : { failureModes: config.failureModes }),
      ...(config.onCrash === undefined ? {} : { onCrash: config.onCrash }),
      userAgent: `corral-reference-agent/${CORRAL_VERSION}`,
      logger: logger.child({ component: 'agent' }),
    });
  } catch (error) {
    metrics.close();
    throw error;
  }
  const stopped = client.stopped.then((result) => {
    metrics.close();
    return result;
  });
  client.start();
  return {
    client,
    identityFile: store.path,
    stopped,
    async stop() {
      await client.stop('agent shutting down');
      return stopped;
    },
  };
}
