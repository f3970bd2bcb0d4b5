// The body of POST /api/v1/configuration/bulk from its form: a target (agent
// ids, a group or a label selector, as the command target picker builds it),
// the patch merged into each agent's own layer (a JSON object), and a reason.
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
  let patch: unknown;
  try {
    patch = JSON.parse(patchText);
  } catch (error) {
    return { error: `The change is not JSON: ${(error as Error).message}` };
  }
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return { error: 'The change must be a JSON object, e.g. { "logLevel": "debug" }.' };
  const why = reason.trim();
  return {
    body: { target: built.target, patch: patch as Record<string, unknown>, ...(why ? { reason: why } : {}) },
  };
}
