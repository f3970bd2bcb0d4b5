// Bounded polling for tests that watch real processes: ask until the answer is
// acceptable or the deadline passes, then fail saying what was last seen. Tests
// poll instead of sleeping a fixed time, so they are as fast as the system allows.

export interface WaitForOptions {
  /** What is being waited for, for the failure message. */
  readonly description: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until `accept` holds for its result, returning that result. A probe that throws
 * counts as "not yet"; the last result or error is quoted when the deadline passes.
 */
export async function waitFor<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: WaitForOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = JSON.stringify(value);
    } catch (error) {
      last = error instanceof Error ? `error: ${error.message}` : `error: ${String(error)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.description}; last seen: ${last}`,
      );
    }
    await sleep(intervalMs);
  }
}
