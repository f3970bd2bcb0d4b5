// `policy_sync`: acknowledged with the revision asked for. Fetching and
// applying policies arrives with the policy feature.
import { z } from 'zod';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export function policySyncHandler(): CommandHandler {
  return defineHandler({
    type: 'policy_sync',
    params: z.object({ revision: z.string().min(1).max(128).optional() }),
    run: async ({ revision }) => ({ result: { policyRevision: revision ?? 'current', synced: true } }),
  });
}
