import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../events/event.js';
import { CommandEventCounter } from './command-event-counter.js';

const event = (type: EventEnvelope['type'], data: Record<string, unknown>): EventEnvelope => ({
  id: '01',
  type,
  schemaVersion: 1,
  occurredAt: 0,
  subject: { kind: 'command', id: 'c' },
  actor: 'system',
  data,
});

describe('CommandEventCounter', () => {
  it('counts per-agent commands created and finished, not bulk parents nor other events', () => {
    const counter = new CommandEventCounter();
    counter.observe(event('command_created', { agentId: 'a1', parentId: null }));
    counter.observe(event('command_created', { agentId: null, parentId: null })); // a bulk parent
    counter.observe(event('command_created', { agentId: null, parentId: 'p1' })); // a capability child, unplaced
    counter.observe(event('command_status_changed', { agentId: 'a1', to: 'running' }));
    counter.observe(event('command_status_changed', { agentId: 'a1', to: 'succeeded' }));
    counter.observe(event('command_status_changed', { agentId: 'a2', to: 'timed_out' }));
    counter.observe(event('command_status_changed', { agentId: null, to: 'partially_failed' })); // a parent
    counter.observe(event('agent_updated', { agentId: 'a1', to: 'succeeded' }));
    expect({ created: counter.created, finished: counter.finished }).toEqual({ created: 2, finished: 2 });
  });
});
