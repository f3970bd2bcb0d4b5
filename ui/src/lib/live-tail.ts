// The events page's live tail: new events that match the filters go on top,
// without duplicates (a replay after a reconnect may repeat some), newest first,
// at most `max`.
import type { LiveEvent } from '../api/types';

export interface EventFilters {
  readonly types: readonly string[];
  readonly subjectId: string;
}

export function matchesFilters(event: LiveEvent, filters: EventFilters): boolean {
  if (filters.types.length > 0 && !filters.types.includes(event.type)) return false;
  return filters.subjectId === '' || event.subject.id === filters.subjectId;
}

export function prependEvent(shown: readonly LiveEvent[], event: LiveEvent, max: number): LiveEvent[] {
  if (shown.some((e) => e.id === event.id)) return [...shown];
  const next = [event, ...shown];
  next.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return next.slice(0, max);
}
