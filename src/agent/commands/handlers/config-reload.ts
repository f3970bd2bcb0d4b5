// `config_reload`: acknowledged with the revision asked for. Fetching and
// applying configuration arrives with the configuration feature.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function configReloadHandler(): CommandHandler {
  return defineHandler({
    type: 'config_reload',
    params: z.object({ revision: z.string().min(1).max(128).optional() }),
    run: async ({ revision }) => ({ result: { configRevision: revision ?? 'current', reloaded: true } }),
  });
}
