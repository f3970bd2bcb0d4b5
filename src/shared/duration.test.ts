// Durations as typed in flags and settings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorralError } from './errors.js';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['300', 300_000],
    ['0', 0],
    ['1500ms', 1500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0ms', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    ' 5s',
    '5s ',
    '-1s',
    '1.5s',
    '5 s',
    '5d',
    's',
    'ms',
    '5S',
    '1e3',
    '0x10',
    '5sec',
    '5m30s',
    'Infinity',
  ])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(CorralError);
  });

  it('names the bad value in the message', () => {
    expect(() => parseDuration('soon')).toThrow(/"soon"/);
  });

  it('rejects values beyond safe integers', () => {
    expect(() => parseDuration('99999999999999999999h')).toThrow(/too large/);
  });

  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('formats with the largest exact unit', () => {
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0ms');
  });
});
