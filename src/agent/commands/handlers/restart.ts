// `restart`: succeed, then close the stream and come back after delaySeconds.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function restartHandler(): CommandHandler {
  return defineHandler({
    type: 'restart',
    params: z.object({ delaySeconds: z.number().int().min(0).max(3_600).default(0) }),
    run: async ({ delaySeconds }) => ({
      result: { reconnectInSeconds: delaySeconds },
      message: 'restarting',
      followUp: (hooks) => hooks.reconnect(delaySeconds * 1_000, 'restart command'),
    }),
  });
}
