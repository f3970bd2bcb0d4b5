import { describe, expect, it } from 'vitest';
import { queryString } from '../api/client';
import { formatBytes, formatDuration, labelsText, timeAgo, words } from './format';
import { can } from './roles';

describe('format', () => {
  it('reads times, sizes and words', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    expect(timeAgo('2026-01-01T00:59:50Z', now)).toBe('10 s ago');
    expect(timeAgo('2026-01-01T00:30:00Z', now)).toBe('30 min ago');
    expect(timeAgo(null, now)).toBe('never');
    expect(formatBytes(50_000_000)).toBe('47.7 MiB');
    expect(formatDuration(3_700)).toBe('1 h 1 min');
    expect(words('timed_out')).toBe('timed out');
    expect(labelsText({ env: 'prod', tier: 'edge' })).toBe('env=prod, tier=edge');
  });

  it('builds query strings without empty values, lists comma-joined', () => {
    expect(
      queryString({ status: ['online', 'offline'], q: '', type: undefined, pageSize: 50, health: [] }),
    ).toBe('?status=online%2Coffline&pageSize=50');
    expect(queryString({})).toBe('');
  });
});

describe('roles', () => {
  it('lets each role do what the API lets it do', () => {
    expect(can('viewer', 'sendCommand')).toBe(false);
    expect(can('operator', 'sendCommand')).toBe(true);
    expect(can('operator', 'maintenance')).toBe(false);
    expect(can('admin', 'emergency')).toBe(true);
  });
});
