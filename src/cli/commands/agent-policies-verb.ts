// `corral agents policies <id>`: an agent's effective security policies (the
// table, with the first characters of the set's digest) and, with -o json, its
// direct assignments too. Added to `corral agents` by agents-command.ts.
import type { Command } from 'commander';
import { adminClient, withAdminOptions, type AdminFlags } from '../admin-options.js';
import { outputOption, printRecords, type OutputFormat } from '../output.js';

/** `corral agents policies <id>`: the agent's effective set (the table) and direct assignments (-o json). */
export function addAgentPoliciesVerb(agents: Command): void {
  withAdminOptions(
    agents.command('policies').description("show an agent's effective security policies").argument('<id>'),
  )
    .addOption(outputOption())
    .action(async (id: string, flags: AdminFlags & { output: OutputFormat }) => {
      const view = await adminClient(flags).get<{
        effective: { digest: string; policies: Record<string, unknown>[] };
      }>(`/agents/${encodeURIComponent(id)}/policies`);
      const rows = view.effective.policies.map((p) => ({
        ...p,
        via: (p.via as { kind: string; id: string }[]).map((source) => `${source.kind}:${source.id}`),
        digest: view.effective.digest.slice(0, 12),
      }));
      printRecords(flags.output, view, rows, [
        'policyId',
        'name',
        'version',
        'mode',
        'ruleCount',
        'via',
        'digest',
      ]);
    });
}
