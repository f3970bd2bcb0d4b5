// The body of POST /api/v1/configuration/bulk from its form: a target (agent
// ids, a group or a label selector, as the command target picker builds it),
// the patch merged into each agent's own layer (a JSON object), and a reason.
import { jsonObject } from './json-object';
import { buildTarget, type TargetForm, type TargetKind } from './command-target';

export const BULK_CONFIGURATION_KINDS: readonly TargetKind[] = ['agents', 'group', 'selector'];

export interface BulkConfigurationBody {
  readonly target: unknown;
  readonly patch: Record<string, unknown>;
  readonly reason?: string;
}

export interface BulkConfigurationResult {
  readonly agentId: string;
  readonly revision: number;
  readonly revisionId: string;
}

export function bulkConfigurationBody(
  target: TargetForm,
  patchText: string,
  reason: string,
): { body: BulkConfigurationBody } | { error: string } {
  if (!BULK_CONFIGURATION_KINDS.includes(target.kind))
    return { error: 'Choose agent ids, a group or labels.' };
  const built = buildTarget(target);
  if ('error' in built) return { error: `Target: ${built.error}.` };
  const patch = jsonObject(patchText, 'change');
  if ('error' in patch) return patch;
  const why = reason.trim();
  return {
    body: { target: built.target, patch: patch.value, ...(why ? { reason: why } : {}) },
  };
}
