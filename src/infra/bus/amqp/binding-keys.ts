// Corral's subscription patterns as AMQP topic binding keys. The routing key of
// every message is its event type verbatim (`agent_registered`), so:
//   `*`           -> `#` (every key)
//   exact type    -> that type
//   `agent_*`     -> one binding per known type with that prefix. A topic
//                    binding matches dot-separated words, and event types use
//                    underscores, so a prefix cannot be one binding; the types
//                    are a closed catalogue (EventType), so the prefix is
//                    expanded here and the broker filters exactly.
// The consumer filters with matchesPattern as well, because a durable queue
// may still carry bindings from an earlier, broader subscription.
import { EventType } from '../../../features/events/event.js';
import { assertPattern, matchesPattern } from '../event-bus.js';

const KNOWN_TYPES: readonly string[] = Object.values(EventType);

export function bindingKeysFor(pattern: string, knownTypes: readonly string[] = KNOWN_TYPES): string[] {
  assertPattern(pattern);
  if (pattern === '*') return ['#'];
  if (!pattern.endsWith('*')) return [pattern];
  return knownTypes.filter((type) => matchesPattern(pattern, type)).sort();
}
