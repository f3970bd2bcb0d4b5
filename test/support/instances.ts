// Several `corral serve` processes on shared backends (ADR 0017), for the
// multi-instance and failure tests: the first start migrates the store and
// makes the admin key, the others start together with that key.
import { startServerProcess, type ServerProcess } from './server-process.js';

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
