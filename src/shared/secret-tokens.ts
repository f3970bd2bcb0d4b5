// Random bearer secrets (agent credentials, session tokens, enrollment secrets,
// API keys). Each is 256 random bits, base64url, behind a prefix naming its kind
// so a leaked value is recognisable. Only SHA-256 hashes are stored: the values
// carry full entropy, so a slow password hash adds nothing (ADR 0004).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TokenKind = {
  AgentCredential: 'cac',
  Session: 'cas',
  EnrollmentSecret: 'ces',
  ApiKey: 'cak',
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface IssuedToken {
  /** The value handed to its owner once and never stored. */
  readonly value: string;
  /** What is stored. */
  readonly hash: string;
  /** A short, non-secret prefix for display (`cak_3fQ9…`). */
  readonly hint: string;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const value = `${kind}_${randomBytes(32).toString('base64url')}`;
  return { value, hash: hashToken(value), hint: value.slice(0, kind.length + 5) };
}

export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Whether `value` looks like a token of `kind` (cheap check before any lookup). */
export function hasTokenShape(kind: TokenKind, value: string): boolean {
  return value.length === kind.length + 1 + 43 && value.startsWith(`${kind}_`);
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
