import { describe, expect, it } from 'vitest';
import { isUsageError } from '../usage-error.js';
import { durationFlag, sinceFlag } from './time-flags.js';

const usage = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (isUsageError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
};

describe('durationFlag', () => {
  it('reads durations with units and plain seconds', () => {
    expect(durationFlag('--ttl', '24h')).toBe(86_400_000);
    expect(durationFlag('--ttl', '90')).toBe(90_000);
  });

  it('names the flag when the value is not a duration', () => {
    expect(usage(() => durationFlag('--timeout', 'soon'))).toMatch(/^--timeout: invalid duration "soon"/);
  });
});

describe('sinceFlag', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);

  it('takes a duration as that long ago', () => {
    expect(sinceFlag('--since', '15m', now)).toBe('2026-12-01T11:45:00.000Z');
  });

  it('takes an ISO-8601 time with an offset, normalised to UTC', () => {
    expect(sinceFlag('--since', '2026-12-01T10:00:00+01:00', now)).toBe('2026-12-01T09:00:00.000Z');
  });

  it('refuses anything else, and impossible dates, naming the flag', () => {
    expect(usage(() => sinceFlag('--since', 'yesterday', now))).toMatch(/^--since: give an ISO-8601 time/);
    expect(usage(() => sinceFlag('--since', '2026-13-45T10:00:00Z', now))).toMatch(/not a valid time/);
  });
});
