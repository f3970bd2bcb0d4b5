// `corral status` (the instance answering, the backends, the fleet, the live
// instances) and `corral maintenance on|off` (no new commands are dispatched
// while it is on; agents stay connected).
import { Command } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';
import { UsageError } from '../usage-error.js';

type Flags = AdminFlags & { output: OutputFormat };
interface StatusJson {
  readonly version: string;
  readonly instanceId: string;
  readonly uptimeSeconds: number;
  readonly maintenanceMode: boolean;
  readonly backends: Record<string, string>;
  readonly fleet: {
    readonly total: number;
    readonly connected: number;
    readonly byStatus: Record<string, number>;
    readonly byHealth: Record<string, number>;
  };
  readonly instances: readonly Record<string, unknown>[];
}

export function statusCommand(): Command {
  return withAdminOptions(
    new Command('status').description(
      'the answering instance, its backends, the fleet and the live instances',
    ),
  )
    .addOption(outputOption())
    .action(async (flags: Flags) => {
      const status = await adminClient(flags).get<StatusJson>('/status');
      if (flags.output === 'json') {
        printRecords('json', status, [], []);
        return;
      }
      const rows = [
        { name: 'version', value: status.version },
        { name: 'instance', value: status.instanceId },
        { name: 'uptime', value: `${status.uptimeSeconds}s` },
        { name: 'maintenance', value: status.maintenanceMode ? 'on' : 'off' },
        ...Object.entries(status.backends).map(([name, value]) => ({ name: `backend ${name}`, value })),
        { name: 'agents', value: status.fleet.total },
        { name: 'connected here', value: status.fleet.connected },
        { name: 'by status', value: status.fleet.byStatus },
        { name: 'by health', value: status.fleet.byHealth },
      ];
      printRecords('table', status, rows, ['name', 'value']);
      process.stdout.write('\n');
      printRecords('table', status, status.instances, [
        'instanceId',
        'address',
        'agents',
        'version',
        'seenAt',
      ]);
    });
}

export function maintenanceCommand(): Command {
  const maintenance = new Command('maintenance').description(
    'maintenance mode: while on, no new command is dispatched (agents stay connected)',
  );
  const toggle = (enabled: boolean) => async (flags: Flags & { reason?: string }) => {
    if (flags.reason !== undefined && flags.reason.trim() === '')
      throw new UsageError('--reason: must not be empty');
    const state = await adminClient(flags).put<Record<string, unknown>>('/maintenance', {
      enabled,
      ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    });
    printRecords(flags.output, state, [state], ['enabled', 'since', 'by', 'reason']);
  };
  withAdminOptions(maintenance.command('on').description('switch maintenance mode on (admin)'))
    .addOption(outputOption())
    .option('--reason <text>', 'why, for the audit log and the status page')
    .action(toggle(true));
  withAdminOptions(maintenance.command('off').description('switch maintenance mode off (admin)'))
    .addOption(outputOption())
    .action(toggle(false));
  return maintenance;
}
