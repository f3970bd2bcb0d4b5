import { describe, expect, it } from 'vitest';
import { currentToken, firstPage, nextPage, previousPage } from './page-tokens';

describe('page tokens', () => {
  it('goes forward with the server token and back without one', () => {
    const second = nextPage(firstPage, 't1');
    const third = nextPage(second, 't2');
    expect([currentToken(firstPage), currentToken(second), currentToken(third)]).toEqual([
      undefined,
      't1',
      't2',
    ]);
    expect(currentToken(previousPage(third))).toBe('t1');
    expect(previousPage(firstPage)).toBe(firstPage);
    expect(nextPage(third, undefined)).toBe(third);
    // Going forward again from an earlier page replaces what followed it.
    expect(nextPage(previousPage(third), 't9').tokens).toEqual([undefined, 't1', 't9']);
  });
});
