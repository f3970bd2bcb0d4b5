// `shutdown`: succeed, then ask the agent process to stop.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function shutdownHandler(): CommandHandler {
  return defineHandler({
    type: 'shutdown',
    params: z.object({ reason: z.string().max(256).optional() }),
    run: async ({ reason }) => ({
      result: { shuttingDown: true },
      message: 'shutting down',
      followUp: (hooks) => hooks.exit(reason ? `shutdown command: ${reason}` : 'shutdown command'),
    }),
  });
}
