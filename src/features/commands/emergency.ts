// Emergency controls: fleet-wide (or for a selector or a group) shutdown, restart or
// isolate, at emergency priority — ahead of every queue and through
// maintenance mode. The caller must repeat the action in `confirm`, so a
// mistyped request cannot take the fleet down.
import { z } from 'zod';
import { invalidArgument } from '../../shared/errors.js';
import { labelsSchema, validate } from '../agents/agent.js';

export const EMERGENCY_ACTIONS = ['shutdown', 'restart', 'isolate'] as const;
export type EmergencyAction = (typeof EMERGENCY_ACTIONS)[number];

export const emergencyRequestSchema = z
  .object({
    action: z.enum(EMERGENCY_ACTIONS),
    /** The whole fleet, the agents matching a label selector, or a group's members. */
    scope: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('fleet') }).strict(),
      z.object({ kind: z.literal('selector'), labels: labelsSchema }).strict(),
      z
        .object({
          kind: z.literal('group'),
          groupId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be a group id'),
        })
        .strict(),
    ]),
    /** Must repeat `action` exactly. */
    confirm: z.string(),
    reason: z.string().trim().min(1, 'is required').max(512, 'must be at most 512 characters'),
  })
  .strict();
export type EmergencyRequest = z.output<typeof emergencyRequestSchema>;

export function parseEmergencyRequest(body: unknown): EmergencyRequest {
  const request = validate(emergencyRequestSchema, body);
  if (request.confirm !== request.action) {
    throw invalidArgument('emergency not confirmed', [
      { field: 'confirm', description: `must repeat the action exactly: "${request.action}"` },
    ]);
  }
  return request;
}

/** The command parameters each action takes (see command-types.ts). */
export function emergencyParams(request: EmergencyRequest): Record<string, string | number> {
  switch (request.action) {
    case 'shutdown':
      return { delaySeconds: 0, reason: request.reason };
    case 'restart':
      return { delaySeconds: 0 };
    case 'isolate':
      return { reason: request.reason };
  }
}
