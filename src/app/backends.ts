// Opens the store, cache and bus named by STORE_URL, CACHE_URL and BUS_URL.
// Each scheme maps to one adapter; new backends (postgres://, redis://, amqp://)
// plug in here. CACHE_URL also names where leases and presence live (open-cache.ts);
// BUS_URL also names how this instance signals the others (the instance messenger).
import { hostname } from 'node:os';
import type { Settings } from '../config/settings.js';
import type { Cache } from '../infra/cache/cache.js';
import type { Leases } from '../infra/coordination/leases.js';
import type { Presence } from '../infra/coordination/presence.js';
import type { EventBus } from '../infra/bus/event-bus.js';
import type { InstanceMessenger } from '../infra/bus/instance-messenger.js';
import { openInstanceMessenger } from '../infra/bus/open-instance-messenger.js';
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
  /** Signals to and from the other instances (from BUS_URL; on memory: only this one). */
  readonly messenger: InstanceMessenger;
  /** INSTANCE_ID, or the host name and process id. */
  readonly instanceId: string;
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
    Partial<Pick<Settings, 'BUS_EXCHANGE' | 'BUS_INSTANCE_EXCHANGE' | 'INSTANCE_ID' | 'CACHE_KEY_PREFIX'>>,
  logger: Logger,
  clock: Clock,
): Promise<Backends> {
  const instanceId = settings.INSTANCE_ID ?? defaultInstanceId();
  const db = await openSqlDatabase(settings.STORE_URL, {
    onPoolError: (error) =>
      logger.warn({ err: error }, 'a pooled database connection failed; it is replaced'),
  });
  const cacheParts = await openCacheBackends(settings, logger, clock).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  const { cache } = cacheParts;
  const bus = await openEventBus({ ...settings, INSTANCE_ID: instanceId }, logger).catch(
    async (error: unknown) => {
      await cacheParts.close();
      await db.close();
      throw error;
    },
  );
  const messenger = await openInstanceMessenger(settings, instanceId, logger).catch(
    async (error: unknown) => {
      await bus.close();
      await cacheParts.close();
      await db.close();
      throw error;
    },
  );
  return {
    db,
    cache,
    bus,
    messenger,
    instanceId,
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
      await messenger.close();
      await bus.close();
      await cacheParts.close();
      await db.close();
    },
  };
}

/** The instance id when INSTANCE_ID is not set: host name and process id, within the id's alphabet. */
export function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 48) || 'corral';
  return `${host}-${process.pid}`;
}
