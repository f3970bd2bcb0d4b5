// A throwaway Corral server inside this process, for `corral loadtest
// --in-process`: a fresh SQLite store in a temporary directory, random
// loopback ports, a generated admin key and no API rate limit (the load test
// is the only client). Other server settings come from the environment as for
// `corral serve`, so the server under test can be tuned the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCorral } from '../app/corral.js';
import { loadSettings } from '../config/settings-loader.js';
import type { Logger } from '../shared/logger.js';
import { TokenKind, issueToken } from '../shared/secret-tokens.js';

export interface InProcessCorral {
  /** host:port of the gRPC agent API. */
  readonly grpcAddress: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Loopback only, port 0: the system picks a free port. */
const LOOPBACK_ANY_PORT = '127.0.0.1:0';
const NO_RATE_LIMIT = String(1_000_000_000);

/** Throws the settings loader's SettingsError when the environment holds a bad server setting. */
export async function startInProcessCorral(env: NodeJS.ProcessEnv, logger: Logger): Promise<InProcessCorral> {
  const dataDir = mkdtempSync(join(tmpdir(), 'corral-loadtest-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const apiKey = issueToken(TokenKind.ApiKey).value;
  try {
    const settings = loadSettings({
      env: {
        ...env,
        STORE_URL: `sqlite:${join(dataDir, 'corral.db')}`,
        GRPC_SERVER_ADDR: LOOPBACK_ANY_PORT,
        ADMIN_API_ADDR: LOOPBACK_ANY_PORT,
        METRICS_ADDR: LOOPBACK_ANY_PORT,
        ADMIN_API_KEY: apiKey,
        TLS_ENABLED: 'false',
        ADMIN_TLS_ENABLED: 'false',
        API_RATE_LIMIT: NO_RATE_LIMIT,
      },
    });
    const corral = await startCorral(settings, logger);
    return {
      grpcAddress: `127.0.0.1:${corral.grpcPort}`,
      apiUrl: corral.apiUrl,
      apiKey,
      stop: async () => {
        try {
          await corral.stop();
        } finally {
          removeDir();
        }
      },
    };
  } catch (error) {
    removeDir();
    throw error;
  }
}
