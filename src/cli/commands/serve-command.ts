// `corral serve`: runs the control plane until SIGTERM/SIGINT, then drains.
import { Command } from 'commander';
import { startCorral } from '../../app/corral.js';
import { loadSettings, SettingsError } from '../../config/settings-loader.js';
import { printableStoreUrl } from '../../infra/store/sql/open-database.js';
import { createLogger } from '../../shared/logger.js';
import { UsageError } from '../usage-error.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the Corral control plane (gRPC agent API, admin REST API, metrics)')
    .option(
      '-c, --config <file>',
      'JSON file of settings (same names as the environment variables; the environment wins)',
    )
    .addHelpText(
      'after',
      '\nSettings come from environment variables; see docs/configuration.md.\nExamples:\n  corral serve\n  STORE_URL=sqlite:/var/lib/corral/corral.db ADMIN_API_ADDR=127.0.0.1:8080 corral serve\n  STORE_URL=postgres://corral@db.internal/corral?schema=corral corral serve',
    )
    .action(async (options: { config?: string }) => {
      let settings;
      try {
        settings = loadSettings({ env: process.env, configFile: options.config });
      } catch (error) {
        if (error instanceof SettingsError) throw new UsageError(error.message);
        throw error;
      }
      const logger = createLogger({ level: settings.LOG_LEVEL, format: settings.LOG_FORMAT });
      const corral = await startCorral(settings, logger);
      const lines = [
        `Corral is running.`,
        `  Dashboard      ${corral.dashboard ? `${corral.apiUrl}/` : 'not built (run npm run build)'}`,
        `  Admin API      ${corral.apiUrl}/api/v1   (docs: ${corral.apiUrl}/api/v1/docs)`,
        `  Agent gRPC     ${settings.GRPC_SERVER_ADDR.host}:${corral.grpcPort}${settings.TLS_ENABLED ? ' (TLS)' : ' (plaintext)'}`,
        `  Metrics        ${corral.metricsUrl}`,
        `  Store          ${printableStoreUrl(settings.STORE_URL)}`,
      ];
      if (corral.generatedAdminKey) {
        lines.push(
          '',
          '  A bootstrap admin API key was generated. It is shown only this once; store it now:',
          `    ${corral.generatedAdminKey}`,
          `  Next: corral secrets create --name first-agents --api-key <key>   then   corral agent --enroll-secret <secret>`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      await waitForSignal();
      logger.info('shutting down: draining agent streams');
      await corral.stop();
      logger.flush();
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
}
