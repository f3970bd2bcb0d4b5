import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CorralError } from '../../shared/errors.js';
import { parsePolicyBody } from './policy.js';
import { EXAMPLE_BODY } from './policy.fixtures.js';
import { MAX_RULES, MAX_RULES_DOCUMENT_BYTES } from './policy-rules.js';

type Body = Record<string, unknown> & { rules: Record<string, unknown>[] };
const body = (): Body => structuredClone(EXAMPLE_BODY) as Body;
const withRule = (rule: Record<string, unknown>, index = 0): Body => {
  const b = body();
  b.rules[index] = rule;
  return b;
};
const rule = (match: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'r',
  match,
  action: 'block',
  ...extra,
});

function fieldsOf(input: unknown): string[] {
  try {
    parsePolicyBody(input);
  } catch (error) {
    if (error instanceof CorralError) return error.violations.map((v) => v.field);
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('the rules document', () => {
  it('has the example of docs/policies.md as its fixture', () => {
    const doc = readFileSync(new URL('../../../docs/policies.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(JSON.parse(example ?? 'null')).toEqual(EXAMPLE_BODY);
  });

  it('accepts the documented example and keeps it exactly as written', () => {
    const parsed = parsePolicyBody(body());
    expect(parsed).toMatchObject({ name: 'edge-web', mode: 'enforce', reason: '' });
    expect(parsed.document).toEqual({ defaultAction: 'allow', rules: EXAMPLE_BODY.rules });
  });

  it.each([
    ['an unknown policy field', { ...body(), colour: 'red' }, ['colour']],
    ['an unknown rule field', withRule({ ...rule({ methods: ['GET'] }), colour: 1 }), ['rules.0.colour']],
    ['an unknown match field', withRule(rule({ cidr: ['10.0.0.0/8'] })), ['rules.0.match.cidr']],
    ['an empty match', withRule(rule({})), ['rules.0.match']],
    ['an empty list', withRule(rule({ cidrs: [] })), ['rules.0.match.cidrs']],
    ['an unknown action', withRule(rule({ methods: ['GET'] }, { action: 'drop' })), ['rules.0.action']],
    ['a default action of rate_limit', { ...body(), defaultAction: 'rate_limit' }, ['defaultAction']],
    ['a missing mode', { ...body(), mode: undefined }, ['mode']],
    ['a bad mode', { ...body(), mode: 'audit' }, ['mode']],
    ['a blank name', { ...body(), name: '  ' }, ['name']],
    ['a bad rule id', withRule(rule({ methods: ['GET'] }, { id: 'Has Space' })), ['rules.0.id']],
    ['a repeated rule id', withRule(rule({ methods: ['GET'] }, { id: 'office-allow' }), 2), ['rules.2.id']],
    ['an unknown method', withRule(rule({ methods: ['GET', 'FETCH'] })), ['rules.0.match.methods.1']],
    ['a repeated method', withRule(rule({ methods: ['GET', 'GET'] })), ['rules.0.match.methods']],
    ['a lowercase country', withRule(rule({ countries: ['de'] })), ['rules.0.match.countries.0']],
    ['a bad header name', withRule(rule({ headers: [{ name: 'a b' }] })), ['rules.0.match.headers.0.name']],
    [
      'a header with value and regex',
      withRule(rule({ headers: [{ name: 'x', value: 'a', regex: '^a$' }] })),
      ['rules.0.match.headers.0.regex'],
    ],
    [
      'rate_limit without a spec',
      withRule(rule({ methods: ['GET'] }, { action: 'rate_limit' })),
      ['rules.0.rateLimit'],
    ],
    [
      'a spec on a block rule',
      withRule(rule({ methods: ['GET'] }, { rateLimit: { requests: 1, perSeconds: 1 } })),
      ['rules.0.rateLimit'],
    ],
    [
      'a zero request count',
      withRule(
        rule({ methods: ['GET'] }, { action: 'rate_limit', rateLimit: { requests: 0, perSeconds: 1 } }),
      ),
      ['rules.0.rateLimit.requests'],
    ],
    ['a negative priority', withRule(rule({ methods: ['GET'] }, { priority: -1 })), ['rules.0.priority']],
    ['rules that are not a list', { ...body(), rules: { a: 1 } }, ['rules']],
  ])('refuses %s, naming the field', (_what, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it('names every bad field at once', () => {
    const b = withRule(rule({ cidrs: ['10.0.0.1/8', '10.0.0.0/8', 'nope'], paths: ['admin'] }));
    b.mode = 'loud';
    expect(fieldsOf(b)).toEqual([
      'mode',
      'rules.0.match.cidrs.0',
      'rules.0.match.cidrs.2',
      'rules.0.match.paths.0',
    ]);
  });

  it(`refuses more than ${MAX_RULES} rules and a document over ${MAX_RULES_DOCUMENT_BYTES} bytes, naming rules`, () => {
    const many = Array.from({ length: MAX_RULES + 1 }, (_, i) => rule({ methods: ['GET'] }, { id: `r${i}` }));
    expect(fieldsOf({ ...body(), rules: many })).toEqual(['rules']);
    const wide = [rule({ cidrs: Array.from({ length: 9_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`) })];
    const error = (() => {
      try {
        parsePolicyBody({ ...body(), rules: [...wide, { ...wide[0], id: 'r2' }] });
      } catch (e) {
        return e as CorralError;
      }
      return undefined;
    })();
    expect(error?.violations).toEqual([
      { field: 'rules', description: expect.stringMatching(/at most 262144/) },
    ]);
  });
});

describe('source addresses', () => {
  it.each([
    '10.0.0.0/8',
    '192.168.1.7',
    '0.0.0.0/0',
    '203.0.113.7/32',
    '::1',
    '::/0',
    '2001:db8::/32',
    'fe80::/10',
    '2001:db8:0:0:0:0:0:1/128',
    '::ffff:10.0.0.0/104',
  ])('accepts %s', (cidr) => {
    expect(() => parsePolicyBody(withRule(rule({ cidrs: [cidr] })))).not.toThrow();
  });

  it.each([
    ['10.0.0.1/8', /host bits set: the range starts at 10\.0\.0\.0\/8/],
    ['2001:db8::1/32', /host bits set/],
    ['::ffff:10.0.0.1/104', /host bits set/],
    ['10.0.0.0/33', /0 to 32/],
    ['2001:db8::/129', /0 to 128/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.256', /IPv4 or IPv6/],
    ['010.0.0.1', /IPv4 or IPv6/],
    ['fe80::1%eth0', /IPv4 or IPv6/],
    ['example.com', /IPv4 or IPv6/],
  ])('refuses %s', (cidr, reason) => {
    try {
      parsePolicyBody(withRule(rule({ cidrs: ['10.0.0.0/8', cidr] })));
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as CorralError).violations).toEqual([
        { field: 'rules.0.match.cidrs.1', description: expect.stringMatching(reason) },
      ]);
    }
  });
});

describe('path patterns', () => {
  it.each([
    '/',
    '/admin/**',
    '/a/*/b?',
    '/**/x.php',
    '^/api/v[0-9]+/users/[^/]+$',
    '^/(?:login|logout)$',
    '^/a(?:b|c)?$',
    '^/x{1,3}$',
    '^/\\p{L}+$',
    '^/files/.*\\.php$',
    '^/a\\\\$',
  ])('accepts %s', (path) => {
    expect(() => parsePolicyBody(withRule(rule({ paths: [path] })))).not.toThrow();
  });

  it.each([
    ['admin/*', /must start with \//],
    ['/a**b', /whole path segment/],
    ['/***', /\*\*\*/],
    ['/[ab]', /visible ASCII/],
    ['/a b', /visible ASCII/],
    [`/${'a'.repeat(256)}`, /at most 256/],
    ['^/x', /anchored/],
    ['^/x\\$', /anchored/],
    ['^(a+)+$', /nested quantifiers/],
    ['^(?:a*b)*$', /nested quantifiers/],
    ['^((a)+b){2,5}$', /nested quantifiers/],
    ['^(a|aa)*$', /alternation/],
    ['^/(?=admin)$', /only \(\?: groups/],
    ['^/(?<name>x)$', /only \(\?: groups/],
    ['^(a)\\1$', /backreferences/],
    ['^/a{1,5000}$', /at most 1000/],
    ['^.*a.*b.*c.*d.*e$', /at most 4 unbounded/],
    ['^/[a-$', /does not compile/],
    ['^/a)$', /does not compile/],
  ])('refuses %s', (path, reason) => {
    try {
      parsePolicyBody(withRule(rule({ paths: ['/ok', path] })));
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as CorralError).violations).toEqual([
        { field: 'rules.0.match.paths.1', description: expect.stringMatching(reason) },
      ]);
    }
  });

  it('checks header regexes with the same rules', () => {
    expect(fieldsOf(withRule(rule({ headers: [{ name: 'x', regex: '^(a+)+$' }] })))).toEqual([
      'rules.0.match.headers.0.regex',
    ]);
  });
});
