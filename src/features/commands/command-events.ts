// The outbox events of command status changes: one `command_status_changed`
// per command per batch, with every status it passed, so a consumer sees each
// transition even when one batched write recorded several (dispatched →
// acknowledged → running → succeeded).
import type { EventEnvelope } from '../events/event.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { AppliedTransition, TransitionStatus } from './command-store.js';

export const SYSTEM_ACTOR = 'system';
export const agentActor = (agentId: string): string => `agent:${agentId}`;

/** Applied writes of one batch, several per command possibly, as one transition per command. */
export function byCommand(applied: readonly AppliedTransition[]): AppliedTransition[] {
  const merged = new Map<string, { first: AppliedTransition; path: TransitionStatus[] }>();
  for (const transition of applied) {
    const held = merged.get(transition.id);
    if (held) held.path.push(...transition.path);
    else merged.set(transition.id, { first: transition, path: [...transition.path] });
  }
  return [...merged.values()].map(({ first, path }) => ({ ...first, path }));
}

export function statusChangedEvents(
  events: EventFactory,
  applied: readonly AppliedTransition[],
  actor: string | ((transition: AppliedTransition) => string),
  at: number,
  detail?: string,
): EventEnvelope[] {
  return byCommand(applied).map((transition) =>
    events.make(
      EventType.CommandStatusChanged,
      { kind: 'command', id: transition.id },
      typeof actor === 'string' ? actor : actor(transition),
      {
        from: transition.from,
        to: transition.path[transition.path.length - 1] ?? transition.from,
        path: transition.path,
        agentId: transition.agentId,
        ...(detail === undefined ? {} : { detail }),
      },
      at,
    ),
  );
}
