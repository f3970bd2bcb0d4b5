// Opens the store, cache and bus named by STORE_URL, CACHE_URL and BUS_URL.
// Each scheme maps to one adapter; new backends (postgres://, redis://, amqp://)
// plug in here.
import type { Settings } from '../config/settings.js';
import type { Cache } from '../infra/cache/cache.js';
import { MemoryCache } from '../infra/cache/memory-cache.js';
import type { EventBus } from '../infra/bus/event-bus.js';
import { MemoryEventBus } from '../infra/bus/memory-event-bus.js';
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
  settings: Pick<Settings, 'STORE_URL' | 'CACHE_URL' | 'BUS_URL'>,
  logger: Logger,
  clock: Clock,
): Promise<Backends> {
  const db = await openSqlDatabase(settings.STORE_URL, {
    onPoolError: (error) =>
      logger.warn({ err: error }, 'a pooled database connection failed; it is replaced'),
  });
  const cache = new MemoryCache(clock);
  const bus = new MemoryEventBus((error, event) =>
    logger.error({ err: error, eventId: event.id, type: event.type }, 'event handler failed'),
  );
  return {
    db,
    cache,
    bus,
    describe: { store: settings.STORE_URL.split(':')[0] ?? 'sqlite', cache: 'memory', bus: 'memory' },
    async close() {
      await bus.close();
      await cache.close();
      await db.close();
    },
  };
}
