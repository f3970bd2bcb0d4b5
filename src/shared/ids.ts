// Time-ordered identifiers: 48 bits of milliseconds then 80 random bits, in
// Crockford base32 (26 characters). Lexicographic order is creation order, and
// ids made in the same millisecond by one process still increase.
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface IdSource {
  next(): string;
}

export class TimeOrderedIds implements IdSource {
  private lastMs = -1;
  private lastRandom = new Uint8Array(10);

  constructor(private readonly clock: Clock = systemClock) {}

  next(): string {
    const ms = Math.max(this.clock.now(), this.lastMs);
    if (ms === this.lastMs) {
      incrementInPlace(this.lastRandom);
    } else {
      this.lastMs = ms;
      this.lastRandom = new Uint8Array(randomBytes(10));
    }
    return encodeTime(ms) + encodeRandom(this.lastRandom);
  }
}

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 characters.
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

function incrementInPlace(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const next = (bytes[i] ?? 0) + 1;
    bytes[i] = next & 0xff;
    if (next <= 0xff) return;
  }
}

export const ids: IdSource = new TimeOrderedIds();
