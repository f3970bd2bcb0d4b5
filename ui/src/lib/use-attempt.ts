// The problem an action on a page ran into, for <Problem>: attempt() clears
// the one shown, runs the work and records what it throws; its answer is the
// work's result, or undefined when the work failed. setProblem is for the
// checks a page makes itself before it calls the server.
import { useCallback, useState } from 'react';

export interface AttemptOptions {
  /** Leaves the problem shown while the work runs; only a new failure replaces it. */
  readonly keepProblem?: boolean;
}

export type Attempt = <T>(work: () => Promise<T>, options?: AttemptOptions) => Promise<T | undefined>;

export async function runAttempt<T>(
  record: (problem: unknown) => void,
  work: () => Promise<T>,
  options: AttemptOptions = {},
): Promise<T | undefined> {
  if (!options.keepProblem) record(undefined);
  try {
    return await work();
  } catch (error) {
    record(error);
    return undefined;
  }
}

export function useAttempt(): {
  problem: unknown;
  setProblem: (problem: unknown) => void;
  attempt: Attempt;
} {
  const [problem, setProblem] = useState<unknown>(undefined);
  const attempt = useCallback<Attempt>((work, options) => runAttempt(setProblem, work, options), []);
  return { problem, setProblem, attempt };
}
