// The notice PolicyService gives after a commit that may have changed some
// agents' effective policy sets: which agents directly, which groups (whose
// members the listener expands), or all of them.
import type { AssignmentTarget } from './policy.js';

export interface PoliciesChange {
  readonly agentIds?: readonly string[];
  readonly groupIds?: readonly string[];
  /** Every agent (not raised by PolicyService today; reserved for fleet-wide changes). */
  readonly all?: boolean;
}
export type PoliciesChangeListener = (change: PoliciesChange) => void;

/** The targets of these assignments as a change notice. */
export function changeOf(assignments: readonly { readonly target: AssignmentTarget }[]): PoliciesChange {
  const ids = (kind: AssignmentTarget['kind']) =>
    assignments.filter((a) => a.target.kind === kind).map((a) => a.target.id);
  const agentIds = ids('agent');
  const groupIds = ids('group');
  return { ...(agentIds.length ? { agentIds } : {}), ...(groupIds.length ? { groupIds } : {}) };
}

export const isEmptyChange = (change: PoliciesChange): boolean =>
  !change.all && !change.agentIds?.length && !change.groupIds?.length;
