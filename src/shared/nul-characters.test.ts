import { describe, expect, it } from 'vitest';
import { isCorralError } from './errors.js';
import { pathOfNulCharacter, refuseNulCharacters } from './nul-characters.js';

describe('pathOfNulCharacter', () => {
  it('finds nothing in clean values of every JSON kind', () => {
    expect(pathOfNulCharacter({ a: 'x', b: [1, true, null, { c: 'y' }], d: 2.5 })).toBeUndefined();
    expect(pathOfNulCharacter('plain')).toBeUndefined();
    expect(pathOfNulCharacter(undefined)).toBeUndefined();
  });

  it('names the member, the array index and the root that hold U+0000', () => {
    expect(pathOfNulCharacter({ facts: { hostname: 'web\u00001' } })).toBe('facts.hostname');
    expect(pathOfNulCharacter({ labels: ['ok', 'bad\u0000'] })).toBe('labels.1');
    expect(pathOfNulCharacter('a\u0000')).toBe('(root)');
  });

  it('refuses a key holding U+0000, quoting it', () => {
    expect(pathOfNulCharacter({ metadata: { 'k\u0000': 'v' } })).toBe('metadata."k\\u0000"');
  });

  it('skips byte arrays, which are not text', () => {
    expect(pathOfNulCharacter({ payload: Buffer.from([0, 0, 1]) })).toBeUndefined();
  });

  it('walks very deep values without overflowing the stack', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(pathOfNulCharacter(deep)).toMatch(/^0\.0\./);
  });
});

describe('refuseNulCharacters', () => {
  it('throws INVALID_ARGUMENT naming the field under the given prefix', () => {
    try {
      refuseNulCharacters({ name: 'a\u0000b' }, 'body');
      expect.unreachable();
    } catch (error) {
      expect(isCorralError(error) && error.code).toBe('invalid_argument');
      expect(isCorralError(error) && error.violations).toEqual([
        { field: 'body.name', description: 'must not contain the NUL character (U+0000)' },
      ]);
    }
  });

  it('lets clean values through', () => {
    expect(() => refuseNulCharacters({ name: 'ab' }, 'body')).not.toThrow();
  });
});
