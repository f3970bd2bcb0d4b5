// Page tokens: round trip, refusal of garbage, forged structure and tokens
// reused with other filters; page size bounds.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CorralError } from '../../shared/errors.js';
import { encodePageToken, MAX_PAGE_SIZE, pageQueryShape, pageRequest, pageResponse } from './paging.js';

const violationOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CorralError);
    return (error as CorralError).violations;
  }
  throw new Error('expected a CorralError');
};

describe('page tokens', () => {
  const filter = { status: ['online'], type: 'blocking' };

  it('round-trips the cursor for the same filter', () => {
    const response = pageResponse({ items: [1, 2], nextAfterId: 'AGENT-2' }, filter, (n) => n * 10);
    expect(response.items).toEqual([10, 20]);
    expect(response.nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(
      pageRequest(
        { pageToken: response.nextPageToken, pageSize: 2 },
        { type: 'blocking', status: ['online'] },
      ),
    ).toEqual({ afterId: 'AGENT-2', limit: 2 });
  });

  it('omits the token on the last page and defaults the page size', () => {
    expect(pageResponse({ items: [], nextAfterId: undefined }, filter, String)).toEqual({ items: [] });
    expect(pageRequest({}, filter)).toEqual({ limit: 50 });
  });

  it.each([
    ['garbage', 'not a token!'],
    ['valid base64 but not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of the wrong shape', Buffer.from(JSON.stringify({ after: 'x', extra: 1 })).toString('base64url')],
    ['an unsafe cursor', Buffer.from(JSON.stringify({ after: "x' OR 1=1" })).toString('base64url')],
  ])('refuses %s naming pageToken', (_what, pageToken) => {
    expect(violationOf(() => pageRequest({ pageToken }, filter))).toEqual([
      { field: 'pageToken', description: 'is not a valid page token' },
    ]);
  });

  it('refuses a token made for other filters', () => {
    const token = encodePageToken('AGENT-2', { status: ['offline'] });
    expect(violationOf(() => pageRequest({ pageToken: token }, filter))[0]?.field).toBe('pageToken');
  });
});

describe('pageSize', () => {
  const schema = z.strictObject(pageQueryShape);

  it('accepts 1 to the cap', () => {
    expect(schema.parse({ pageSize: '1' }).pageSize).toBe(1);
    expect(schema.parse({ pageSize: String(MAX_PAGE_SIZE) }).pageSize).toBe(MAX_PAGE_SIZE);
  });

  it.each(['0', String(MAX_PAGE_SIZE + 1), '-1', '2.5', 'ten', ''])('refuses %j', (pageSize) => {
    expect(schema.safeParse({ pageSize }).success).toBe(false);
  });
});
