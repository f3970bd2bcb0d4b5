// Real services on a fresh in-memory SQLite database (or the store `storeUrl`
// names), for tests of services and transports. Not used by the running server.
import type { RequestContext } from '../features/audit/audited.js';
import { SYSTEM_PRINCIPAL } from '../features/api-keys/api-key.js';
import { FakeClock, type Clock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { openBackends, type Backends } from './backends.js';
import { createServices, type ServiceOptions } from './create-services.js';

export interface TestServices {
  readonly services: ReturnType<typeof createServices>;
  readonly backends: Backends;
  readonly clock: Clock;
  /** An admin request context for service calls. */
  readonly admin: RequestContext;
  close(): Promise<void>;
}

export async function openTestServices(
  options: Partial<ServiceOptions> & {
    clock?: Clock;
    /** STORE_URL, for tests on PostgreSQL; SQLite in memory otherwise. */
    storeUrl?: string;
    /** CACHE_URL and CACHE_KEY_PREFIX, for tests on Redis; memory otherwise. */
    cache?: { readonly url: string; readonly keyPrefix: string };
  } = {},
): Promise<TestServices> {
  const { storeUrl = 'sqlite::memory:', cache, ...serviceOptions } = options;
  const clock = options.clock ?? new FakeClock();
  const backends = await openBackends(
    {
      STORE_URL: storeUrl,
      CACHE_URL: cache?.url ?? 'memory:',
      BUS_URL: 'memory:',
      ...(cache ? { CACHE_KEY_PREFIX: cache.keyPrefix } : {}),
    },
    silentLogger,
    clock,
  );
  const services = createServices(backends, { sessionTtlMs: 3_600_000, ...serviceOptions, clock });
  return {
    services,
    backends,
    clock,
    admin: {
      principal: { ...SYSTEM_PRINCIPAL, actor: 'api_key:test-admin', name: 'test admin' },
      requestId: 'test',
    },
    close: () => backends.close(),
  };
}

/** Creates an enrollment secret and enrolls one agent; returns its id and credential. */
export async function enrollTestAgent(
  t: TestServices,
  agentId: string,
  facts: Partial<Parameters<TestServices['services']['agents']['enroll']>[0]['facts']> = {},
) {
  const { secret } = await t.services.enrollment.create(t.admin, { name: `for ${agentId}` });
  const result = await t.services.agents.enroll({
    enrollmentSecret: secret,
    agentId,
    credential: '',
    facts: {
      name: agentId,
      hostname: `${agentId}.local`,
      ipAddress: '10.0.0.1',
      version: '1.0.0',
      type: 'blocking',
      platform: 'linux',
      capabilities: ['scan'],
      labels: { env: 'test' },
      ...facts,
    },
  });
  if (!result.credential) throw new Error('expected a credential');
  return { agentId: result.agentId, credential: result.credential };
}
