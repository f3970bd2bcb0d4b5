import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_VERSION, type EventEnvelope } from '../../features/events/event.js';
import { Deduplicator } from './deduplicator.js';

const event = (id: string): EventEnvelope => ({
  id,
  type: 'agent_registered',
  schemaVersion: EVENT_SCHEMA_VERSION,
  occurredAt: 0,
  subject: { kind: 'agent', id: 'a1' },
  actor: 'system',
  data: {},
});

describe('Deduplicator', () => {
  it('runs the handler once per id and counts the duplicates it skipped', async () => {
    const seen = new Deduplicator();
    const handled: string[] = [];
    const handler = (e: EventEnvelope) => void handled.push(e.id);
    const outcomes = [];
    for (const id of ['e1', 'e2', 'e1', 'e2', 'e3']) outcomes.push(await seen.run(event(id), handler));
    expect(handled).toEqual(['e1', 'e2', 'e3']);
    expect(outcomes).toEqual(['handled', 'handled', 'duplicate', 'duplicate', 'handled']);
    expect(seen.duplicates).toBe(2);
  });

  it('does not remember an id whose handler failed, so the next delivery runs it again', async () => {
    const seen = new Deduplicator();
    let calls = 0;
    const flaky = () => {
      calls += 1;
      if (calls === 1) throw new Error('not yet');
    };
    await expect(seen.run(event('e1'), flaky)).rejects.toThrow('not yet');
    expect(await seen.run(event('e1'), flaky)).toBe('handled');
    expect(await seen.run(event('e1'), flaky)).toBe('duplicate');
    expect(calls).toBe(2);
  });

  it('runs a handler once when the same id arrives while it is still being handled', async () => {
    const seen = new Deduplicator();
    let release = () => undefined as void;
    let calls = 0;
    const slow = () => {
      calls += 1;
      return new Promise<void>((resolve) => (release = resolve));
    };
    const first = seen.run(event('e1'), slow);
    const second = seen.run(event('e1'), slow);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await Promise.all([first, second])).toEqual(['handled', 'duplicate']);
    expect(calls).toBe(1);
  });

  it('forgets the oldest ids beyond its capacity', async () => {
    const seen = new Deduplicator(2);
    let calls = 0;
    const count = () => void (calls += 1);
    for (const id of ['e1', 'e2', 'e3', 'e1']) await seen.run(event(id), count);
    expect(calls).toBe(4);
  });
});
