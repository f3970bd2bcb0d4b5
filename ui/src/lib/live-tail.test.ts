import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api/types';
import { matchesFilters, prependEvent } from './live-tail';

const event = (id: string, type = 'agent_updated', subject = 'a1'): LiveEvent => ({
  id,
  type,
  schemaVersion: 1,
  occurredAt: '2026-01-01T00:00:00Z',
  subject: { kind: 'agent', id: subject },
  actor: 'system',
  data: {},
});

describe('live tail', () => {
  it('keeps the newest first, once each, at most max', () => {
    let shown: LiveEvent[] = [];
    for (const id of ['01', '03', '02', '03', '04']) shown = prependEvent(shown, event(id), 3);
    expect(shown.map((e) => e.id)).toEqual(['04', '03', '02']);
  });

  it('matches type and subject filters', () => {
    expect(matchesFilters(event('1'), { types: [], subjectId: '' })).toBe(true);
    expect(matchesFilters(event('1'), { types: ['command_created'], subjectId: '' })).toBe(false);
    expect(
      matchesFilters(event('1', 'agent_updated', 'a2'), { types: ['agent_updated'], subjectId: 'a1' }),
    ).toBe(false);
  });
});
