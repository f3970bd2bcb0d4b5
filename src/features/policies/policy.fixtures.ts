// Test data for policies: the documented example body (docs/policies.md) and a
// stored policy with plausible defaults; each test overrides what it is about.
import type { Policy } from './policy.js';

export const T = Date.UTC(2026, 0, 1);

/** The example of docs/policies.md (kept equal to it). */
export const EXAMPLE_BODY = {
  name: 'edge-web',
  description: 'Public web tier',
  mode: 'enforce',
  defaultAction: 'allow',
  rules: [
    {
      id: 'office-allow',
      description: 'Our offices are never blocked',
      priority: 100,
      match: { cidrs: ['198.51.100.0/24', '2001:db8:10::/48'] },
      action: 'allow',
    },
    {
      id: 'known-bad',
      match: { cidrs: ['203.0.113.7', '192.0.2.0/24'] },
      action: 'block',
    },
    {
      id: 'admin-paths',
      match: { paths: ['/admin/**', '^/wp-(?:login|admin)\\.php$'], methods: ['GET', 'POST'] },
      action: 'block',
    },
    {
      id: 'login-rate',
      match: { paths: ['/api/v1/login'], methods: ['POST'] },
      action: 'rate_limit',
      rateLimit: { requests: 10, perSeconds: 60, burst: 20 },
    },
    {
      id: 'scanners',
      match: { headers: [{ name: 'User-Agent', regex: '^.*(?:sqlmap|nikto).*$' }], countries: ['KP'] },
      action: 'log',
    },
  ],
};

export const policyFixture = (id: string, overrides: Partial<Policy> = {}): Policy => ({
  id,
  name: `policy ${id}`,
  description: 'blocks the bad',
  mode: 'enforce',
  document: {
    defaultAction: 'allow',
    rules: [{ id: 'r1', match: { cidrs: ['203.0.113.0/24'] }, action: 'block' }],
  },
  version: 1,
  createdAt: T,
  createdBy: 'api_key:k1',
  updatedAt: T,
  updatedBy: 'api_key:k1',
  ...overrides,
});
