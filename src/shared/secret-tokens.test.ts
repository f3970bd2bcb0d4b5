import { describe, expect, it } from 'vitest';
import { hashToken, hasTokenShape, issueToken, sameHash, TokenKind } from './secret-tokens.js';

describe('secret tokens', () => {
  it('issues 256-bit prefixed values and stores only their SHA-256 hash', () => {
    const token = issueToken(TokenKind.Session);
    expect(token.value).toMatch(/^cas_[A-Za-z0-9_-]{43}$/);
    expect(token.hash).toBe(hashToken(token.value));
    expect(token.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.hint).toBe(token.value.slice(0, 8));
    expect(issueToken(TokenKind.Session).value).not.toBe(token.value);
  });

  it('recognises the shape of each kind and refuses the others', () => {
    const credential = issueToken(TokenKind.AgentCredential).value;
    expect(hasTokenShape(TokenKind.AgentCredential, credential)).toBe(true);
    expect(hasTokenShape(TokenKind.Session, credential)).toBe(false);
    expect(hasTokenShape(TokenKind.AgentCredential, `${credential}x`)).toBe(false);
  });

  it('compares hashes in constant time and only equal ones match', () => {
    const a = hashToken('a');
    expect(sameHash(a, hashToken('a'))).toBe(true);
    expect(sameHash(a, hashToken('b'))).toBe(false);
    expect(sameHash(a, 'abcd')).toBe(false);
  });
});
