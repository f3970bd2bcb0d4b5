import { describe, expect, it } from 'vitest';
import { runAttempt } from './use-attempt';

function recorder() {
  const recorded: unknown[] = [];
  return { recorded, record: (problem: unknown) => recorded.push(problem) };
}

describe('an attempt', () => {
  it('clears the problem before the work starts and answers its result', async () => {
    const { recorded, record } = recorder();
    let seenWhenStarted: unknown[] = [];
    const answer = await runAttempt(record, async () => {
      seenWhenStarted = [...recorded];
      return 42;
    });
    expect(answer).toBe(42);
    expect(seenWhenStarted).toEqual([undefined]);
    expect(recorded).toEqual([undefined]);
  });

  it('records what the work throws, after clearing, and answers undefined', async () => {
    const { recorded, record } = recorder();
    const failure = new Error('412 Precondition Failed');
    const answer = await runAttempt(record, () => Promise.reject(failure));
    expect(answer).toBeUndefined();
    expect(recorded).toEqual([undefined, failure]);
  });

  it('records a failure thrown before the work awaits anything', async () => {
    const { recorded, record } = recorder();
    const answer = await runAttempt(record, () => {
      throw new Error('not valid JSON');
    });
    expect(answer).toBeUndefined();
    expect(recorded).toHaveLength(2);
    expect((recorded[1] as Error).message).toBe('not valid JSON');
  });

  it('keeps the problem shown when asked, replacing it only on a new failure', async () => {
    const { recorded, record } = recorder();
    await runAttempt(record, async () => 'ok', { keepProblem: true });
    expect(recorded).toEqual([]);
    const failure = new Error('gone');
    await runAttempt(record, () => Promise.reject(failure), { keepProblem: true });
    expect(recorded).toEqual([failure]);
  });
});
