// `isolate`: records that the agent is isolated; from then on it accepts only
// emergency commands. Network containment itself is the host's business.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function isolateHandler(): CommandHandler {
  return defineHandler({
    type: 'isolate',
    params: z.object({ reason: z.string().max(256).optional() }),
    run: async ({ reason }, context) => {
      context.isolate(reason ?? 'isolate command');
      return { result: { isolated: true }, message: 'isolated: only emergency commands are accepted' };
    },
  });
}
