import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorralError } from '../../shared/errors.js';
import { inBlock, parseCidr, parseIpv4, requireCidr, requireIpv4, slash24 } from './network.js';

const octet = fc.integer({ min: 0, max: 255 });
const address = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

describe('IPv4 and CIDR', () => {
  it('parses dotted quads and refuses everything else', () => {
    expect(parseIpv4('10.0.1.255')).toBe(10 * 2 ** 24 + 256 + 255);
    expect(parseIpv4('255.255.255.255')).toBe(2 ** 32 - 1);
    for (const bad of ['10.0.1', '10.0.1.256', '10.0.1.1.1', 'a.b.c.d', '', 'fe80::1', '1.2.3.-4'])
      expect(parseIpv4(bad)).toBeUndefined();
    expect(() => requireIpv4('nope', 'ip')).toThrow(CorralError);
  });

  it('parses blocks, normalising the host bits away', () => {
    expect(parseCidr('10.0.1.77/24')).toEqual({ base: parseIpv4('10.0.1.0'), prefix: 24 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/x', '10.0.0.0/8/8'])
      expect(parseCidr(bad)).toBeUndefined();
    expect(() => requireCidr('10.0.0.0/40', 'cidr')).toThrow(CorralError);
  });

  it('an address is inside every block built around it, and /0 holds everything', () => {
    fc.assert(
      fc.property(address, address, fc.integer({ min: 0, max: 32 }), (a, b, prefix) => {
        const ip = parseIpv4(a) ?? -1;
        const block = parseCidr(`${a}/${prefix}`);
        expect(block !== undefined && inBlock(ip, block)).toBe(true);
        expect(inBlock(parseIpv4(b) ?? -1, { base: 0, prefix: 0 })).toBe(true);
      }),
    );
  });

  it('treats the /24 as the segment', () => {
    const target = parseIpv4('192.168.4.10') ?? -1;
    expect(inBlock(parseIpv4('192.168.4.200') ?? -1, slash24(target))).toBe(true);
    expect(inBlock(parseIpv4('192.168.5.10') ?? -1, slash24(target))).toBe(false);
  });
});
