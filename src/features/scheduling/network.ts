// IPv4 addresses and CIDR blocks for the locality strategy. IPv6 is not
// matched yet: an IPv6 agent is simply never "local", so it still gets work
// through the least-loaded fallback.

import { invalidArgument } from '../../shared/errors.js';

/** The address as an unsigned 32-bit number, or undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export interface Ipv4Block {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr(text: string): Ipv4Block | undefined {
  const [address, prefixText, extra] = text.trim().split('/');
  if (address === undefined || prefixText === undefined || extra !== undefined) return undefined;
  if (!/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const ip = parseIpv4(address);
  if (ip === undefined || prefix > 32) return undefined;
  return { base: maskOf(ip, prefix), prefix };
}

/** Like parseCidr, but a malformed block is the caller's mistake. */
export function requireCidr(text: string, field: string): Ipv4Block {
  const block = parseCidr(text);
  if (block === undefined)
    throw invalidArgument(`${JSON.stringify(text)} is not an IPv4 CIDR block`, [
      { field, description: 'expected a.b.c.d/n with n in 0..32' },
    ]);
  return block;
}

export function requireIpv4(text: string, field: string): number {
  const ip = parseIpv4(text);
  if (ip === undefined)
    throw invalidArgument(`${JSON.stringify(text)} is not an IPv4 address`, [
      { field, description: 'expected a.b.c.d' },
    ]);
  return ip;
}

export const inBlock = (ip: number, block: Ipv4Block): boolean => maskOf(ip, block.prefix) === block.base;

/** The /24 around an address: the seed's "same network segment" when no CIDR is given. */
export const slash24 = (ip: number): Ipv4Block => ({ base: maskOf(ip, 24), prefix: 24 });

// Arithmetic rather than bit operators: JavaScript's `&` works on signed 32-bit numbers.
function maskOf(ip: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(ip / size) * size;
}
