// Several `corral serve` processes on shared backends (ADR 0017), for the
// multi-instance and failure tests: the first start migrates the store and
// makes the admin key, the others start together with that key.
import { startServerProcess, type ServerProcess } from './server-process.js';

/** Where a test's instances share the real services: its own schema, key prefix and exchanges. */
export interface SharedBackends {
  readonly storeUrl: string;
  readonly cacheUrl: string;
  readonly cacheKeyPrefix: string;
  readonly busUrl: string;
  readonly eventExchange: string;
  readonly instanceExchange: string;
}

/** The settings every instance of such a test starts with (heartbeats flushed fast), plus `extra`. */
export function sharedBackendsEnv(
  backends: SharedBackends,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    STORE_URL: backends.storeUrl,
    CACHE_URL: backends.cacheUrl,
    CACHE_KEY_PREFIX: backends.cacheKeyPrefix,
    BUS_URL: backends.busUrl,
    BUS_EXCHANGE: backends.eventExchange,
    BUS_INSTANCE_EXCHANGE: backends.instanceExchange,
    HEARTBEAT_FLUSH_INTERVAL: '100ms',
    ...extra,
  };
}

/** Starts one instance per id (INSTANCE_ID) with `env`; the first alone, the rest at once. */
export async function startInstances(
  ids: readonly string[],
  env: Record<string, string>,
): Promise<ServerProcess[]> {
  const [firstId, ...others] = ids;
  if (firstId === undefined) return [];
  const first = await startServerProcess({ env: { ...env, INSTANCE_ID: firstId } });
  const rest = await Promise.all(
    others.map((id) =>
      startServerProcess({ env: { ...env, ADMIN_API_KEY: first.adminKey, INSTANCE_ID: id } }),
    ),
  );
  return [first, ...rest];
}

/** The HTTP status of GET /readyz (0 when the server does not answer). */
export async function readyStatus(server: Pick<ServerProcess, 'apiUrl'>): Promise<number> {
  try {
    const response = await fetch(`${server.apiUrl}/readyz`, { signal: AbortSignal.timeout(8_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
