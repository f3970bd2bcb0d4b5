// `status`: the host's facts as the agent sees them right now, and the
// configuration and policy set it runs (when a client runs the command).
import os from 'node:os';
import { z } from 'zod';
import { CORRAL_VERSION } from '../../../app/version.js';
import type { CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export interface HostStatus {
  readonly hostname: string;
  readonly platform: string;
  readonly uptimeSeconds: number;
  readonly processUptimeSeconds: number;
  readonly load: readonly number[];
  readonly memory: { readonly totalBytes: number; readonly freeBytes: number; readonly rssBytes: number };
  readonly agentVersion: string;
}

export const readHostStatus = (): HostStatus => ({
  hostname: os.hostname(),
  platform: `${process.platform}/${process.arch}`,
  uptimeSeconds: Math.round(os.uptime()),
  processUptimeSeconds: Math.round(process.uptime()),
  load: os.loadavg(),
  memory: { totalBytes: os.totalmem(), freeBytes: os.freemem(), rssBytes: process.memoryUsage.rss() },
  agentVersion: CORRAL_VERSION,
});

export function statusHandler(read: () => HostStatus = readHostStatus): CommandHandler {
  return defineHandler({
    type: 'status',
    params: z.object({}),
    run: async (_params, context) => ({ result: { ...read(), ...context.agentState?.() } }),
  });
}
