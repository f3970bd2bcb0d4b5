// Source addresses in policy rules: an IPv4 or IPv6 address, or a CIDR range of
// either. Ranges with host bits set (10.0.0.1/8) are refused rather than
// silently widened: they are almost always a typo, and agents written in other
// languages disagree on what they mean. Zone ids (fe80::1%eth0) are refused too:
// they name an interface of one host, not a source.
import { isIPv4, isIPv6 } from 'node:net';

export function addressProblem(text: string): string | undefined {
  if (text.length > 64) return 'must be an IP address or CIDR range of at most 64 characters';
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : 0;
  if (version === 0) return 'must be an IPv4 or IPv6 address or CIDR range (10.0.0.0/8, 2001:db8::/32)';
  if (slash < 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits)
    return `the prefix length must be a whole number from 0 to ${bits}`;
  const value = version === 4 ? ipv4Value(address) : ipv6Value(address);
  const hostBits = BigInt(bits - Number(prefix));
  if (value & ((1n << hostBits) - 1n)) {
    const network = (value >> hostBits) << hostBits;
    const shown = version === 4 ? ipv4Text(network) : 'the network address';
    return `has host bits set: the range starts at ${shown}/${prefix}`;
  }
  return undefined;
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

/** A valid IPv6 address (isIPv6 said so) as a 128-bit number, `::` and a dotted IPv4 tail included. */
function ipv6Value(address: string): bigint {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const v4 = ipv4Value(dotted);
    text = `${text.slice(0, -dotted.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
