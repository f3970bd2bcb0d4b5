// `ping`: answers at once, so the server can measure a command round trip.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function pingHandler(): CommandHandler {
  return defineHandler({
    type: 'ping',
    params: z.object({}),
    run: async (_params, context) => ({ result: { pong: true, atMs: context.clock.now() } }),
  });
}
