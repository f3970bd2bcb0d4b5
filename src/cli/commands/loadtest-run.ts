// Runs a configured `corral loadtest`: starts the in-process server when asked
// for, the load test with its progress on stderr, prints the report, and
// cleans up whatever happens (agents, server, temporary directory). The first
// SIGINT/SIGTERM stops sending and waiting; the report covers what was sent.
import { SettingsError } from '../../config/settings-loader.js';
import { startInProcessCorral, type InProcessCorral } from '../../loadtest/in-process-corral.js';
import { LoadTest } from '../../loadtest/load-test.js';
import type { LoadTestReport } from '../../loadtest/load-test-report.js';
import type { Logger } from '../../shared/logger.js';
import { createLogger } from '../../shared/logger.js';
import { AdminClient } from '../admin-client.js';
import { UsageError } from '../usage-error.js';
import * as flag from './agent-flags.js';
import type { LoadtestConfig } from './loadtest-command.js';
import { printReport, showProgress } from './loadtest-output.js';

export async function runLoadtest(config: LoadtestConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, format: 'json' });
  const signals = flag.firstSignal();
  const stop = new AbortController();
  void signals.received.then((signal) => {
    process.stderr.write(`${signal}: stopping the load test…\n`);
    stop.abort();
  });
  let server: InProcessCorral | undefined;
  try {
    let target = config.target;
    if (target.kind === 'in-process') {
      server = await startServer(logger);
      target = {
        kind: 'server',
        serverAddress: server.grpcAddress,
        api: new AdminClient({ apiUrl: server.apiUrl, apiKey: server.apiKey }),
      };
    }
    const test = new LoadTest({
      ...config.test,
      api: target.api,
      serverAddress: target.serverAddress,
      logger: logger.child({ component: 'loadtest' }),
      signal: stop.signal,
    });
    const progress = showProgress(test, config.reportIntervalMs, process.stderr);
    let report: LoadTestReport;
    try {
      report = await test.run();
    } finally {
      // Before the report: a bar still drawing on the terminal would cut into it.
      progress.stop();
    }
    printReport(config.output, report);
  } finally {
    signals.dispose();
    await server?.stop();
    logger.flush();
  }
}

/** A bad server setting in the environment is bad usage, as for `corral serve`. */
async function startServer(logger: Logger): Promise<InProcessCorral> {
  try {
    return await startInProcessCorral(process.env, logger.child({ component: 'server' }));
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(error.message);
    throw error;
  }
}
