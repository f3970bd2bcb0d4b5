// The error for a bad command line: a flag with a wrong value, a missing flag,
// or flags that contradict each other. The CLI entry point prints the message
// and exits with code 2 (the usual code for usage errors), without a stack.

export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {
  readonly exitCode = USAGE_EXIT_CODE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

export const isUsageError = (error: unknown): error is UsageError => error instanceof UsageError;
