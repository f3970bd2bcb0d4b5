// Opens the store, cache and bus named by STORE_URL, CACHE_URL and BUS_URL.
// Each scheme maps to one adapter; new backends (postgres://, redis://, amqp://)
// plug in here.
import type { Settings } from '../config/settings.js';
import type { Cache } from '../infra/cache/cache.js';
import { MemoryCache } from '../infra/cache/memory-cache.js';
import type { EventBus } from '../infra/bus/event-bus.js';
import { openEventBus } from '../infra/bus/open-event-bus.js';
import { openSqlDatabase } from '../infra/store/sql/open-database.js';
import type { Database } from '../infra/store/stores.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface Backends {
  readonly db: Database;
  readonly cache: Cache;
  readonly bus: EventBus;
  readonly describe: { readonly store: string; readonly cache: string; readonly bus: string };
  close(): Promise<void>;
}

export async function openBackends(
  settings: Pick<Settings, 'STORE_URL' | 'CACHE_URL' | 'BUS_URL'> &
    Partial<Pick<Settings, 'BUS_EXCHANGE' | 'INSTANCE_ID'>>,
  logger: Logger,
  clock: Clock,
): Promise<Backends> {
  const db = await openSqlDatabase(settings.STORE_URL);
  const cache = new MemoryCache(clock);
  const bus = await openEventBus(settings, logger).catch(async (error: unknown) => {
    await cache.close();
    await db.close();
    throw error;
  });
  return {
    db,
    cache,
    bus,
    describe: {
      store: settings.STORE_URL.split(':')[0] ?? 'sqlite',
      cache: 'memory',
      bus: settings.BUS_URL.split(':')[0] ?? 'memory',
    },
    async close() {
      await bus.close();
      await cache.close();
      await db.close();
    },
  };
}
