// Opens the store, cache and bus named by STORE_URL, CACHE_URL and BUS_URL.
// Each scheme maps to one adapter; new backends (postgres://, redis://, amqp://)
// plug in here. CACHE_URL also names where leases and presence live (open-cache.ts).
import type { Settings } from '../config/settings.js';
import type { Cache } from '../infra/cache/cache.js';
import type { Leases } from '../infra/coordination/leases.js';
import type { Presence } from '../infra/coordination/presence.js';
import type { EventBus } from '../infra/bus/event-bus.js';
import { openEventBus } from '../infra/bus/open-event-bus.js';
import { openSqlDatabase } from '../infra/store/sql/open-database.js';
import type { Database } from '../infra/store/stores.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { openCacheBackends, type CacheBackends } from './open-cache.js';

export interface Backends {
  readonly db: Database;
  readonly cache: Cache;
  readonly bus: EventBus;
  /** Leases for work that runs on one instance at a time (from CACHE_URL). */
  readonly leases: Leases;
  /** Which instance holds which agent's stream; live instances (from CACHE_URL). */
  readonly presence: Presence;
  /** Where the admin API's rate-limit buckets live; undefined: in process. */
  readonly rateLimitStore: CacheBackends['rateLimitStore'];
  /** Failed cache operations since start, by operation (for metrics). */
  cacheFailures(): Readonly<Record<string, number>>;
  readonly describe: { readonly store: string; readonly cache: string; readonly bus: string };
  close(): Promise<void>;
}

export async function openBackends(
  settings: Pick<Settings, 'STORE_URL' | 'CACHE_URL' | 'BUS_URL'> &
    Partial<Pick<Settings, 'BUS_EXCHANGE' | 'INSTANCE_ID' | 'CACHE_KEY_PREFIX'>>,
  logger: Logger,
  clock: Clock,
): Promise<Backends> {
  const db = await openSqlDatabase(settings.STORE_URL, {
    onPoolError: (error) =>
      logger.warn({ err: error }, 'a pooled database connection failed; it is replaced'),
  });
  const cacheParts = await openCacheBackends(settings, logger, clock).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  const { cache } = cacheParts;
  const bus = await openEventBus(settings, logger).catch(async (error: unknown) => {
    await cacheParts.close();
    await db.close();
    throw error;
  });
  return {
    db,
    cache,
    bus,
    leases: cacheParts.leases,
    presence: cacheParts.presence,
    rateLimitStore: cacheParts.rateLimitStore,
    cacheFailures: () => cacheParts.failures(),
    describe: {
      store: settings.STORE_URL.split(':')[0] ?? 'sqlite',
      cache: cacheParts.kind,
      bus: settings.BUS_URL.split(':')[0] ?? 'memory',
    },
    async close() {
      await bus.close();
      await cacheParts.close();
      await db.close();
    },
  };
}
