// `update`: succeed, then close the stream and come back after delaySeconds,
// as an agent restarting into a new version would. Fetching and installing
// the version comes later; the version asked for is echoed in the result.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function updateHandler(): CommandHandler {
  return defineHandler({
    type: 'update',
    params: z.object({
      version: z.string().min(1).max(64).optional(),
      delaySeconds: z.number().int().min(0).max(3_600).default(0),
    }),
    run: async ({ version, delaySeconds }) => ({
      result: { version: version ?? null, reconnectInSeconds: delaySeconds },
      message: 'update accepted; reconnecting',
      followUp: (hooks) => hooks.reconnect(delaySeconds * 1_000, 'update command'),
    }),
  });
}
