// What group events carry, and the refusal of a change made against a revision
// that has moved on. The subject of every group event is the group.
import { preconditionFailed } from '../../shared/errors.js';
import type { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { Group } from './group.js';

/** group_created, group_updated, group_deleted: the group as it is (was), plus `extra`. */
export function groupEvent(
  events: EventFactory,
  type: EventType,
  group: Group,
  actor: string,
  at: number,
  extra: Record<string, unknown> = {},
) {
  return events.make(
    type,
    { kind: 'group', id: group.id },
    actor,
    {
      name: group.name,
      kind: group.kind,
      selector: group.selector,
      priority: group.priority,
      revision: group.revision,
      ...extra,
    },
    at,
  );
}

export function changedSince(group: Group, expected: number) {
  return preconditionFailed(
    `group ${JSON.stringify(group.id)} changed since revision ${expected} (it is at revision ${group.revision}); fetch it again`,
  );
}
