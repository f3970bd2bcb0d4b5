// The live channel's wire format (GET /api/v1/live, a WebSocket; protocol
// version 1). Every frame is one JSON text message. The client's messages are
// validated here; anything else closes the socket with 4400 and the reason.
//
//   client → server  hello  {apiKey, lastEventId?}   first message, within the hello timeout
//                    ping   {id?}                   answered with pong (browsers cannot see
//                                                   WebSocket ping frames)
//   server → client  welcome {protocol, principal, instanceId, fleetSampleIntervalMs, samples}
//                    event   {event}                 a lifecycle event, as GET /api/v1/events shows it
//                    synced  {replayed}              replay after lastEventId done; live from here
//                    refetch {reason}                events were missed: reload what is shown
//                    fleet   {sample}                fleet counts, every fleetSampleIntervalMs; commands
//                                                    created / finished are running counts (throughput
//                                                    is the difference between two samples)
//                    pong    {id}
import { z } from 'zod';
import { isoTime } from '../../transports/http/json-values.js';
import type { Principal } from '../api-keys/api-key.js';
import { eventJson } from '../events/event-json.js';
import type { EventEnvelope } from '../events/event.js';
import type { FleetSample } from './fleet-sampler.js';

export const LIVE_PROTOCOL_VERSION = 1;

/** Close codes (4000-4999 are the application's). */
export const LiveClose = {
  /** The server is stopping; reconnect later. */
  GoingAway: 1001,
  BadMessage: 4400,
  Unauthenticated: 4401,
  Forbidden: 4403,
  TooManyFailures: 4429,
  /** This instance holds as many live connections as it allows. */
  Busy: 4503,
} as const;

/** Event ids are 26 characters of Crockford base32 (src/shared/ids.ts). */
export const eventIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an event id');

export const clientMessageSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('hello'),
      apiKey: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
      lastEventId: eventIdSchema.optional(),
    }),
    z.strictObject({
      type: z.literal('ping'),
      id: z
        .number()
        .int()
        .min(0)
        .max(2 ** 31)
        .optional(),
    }),
  ],
  { error: 'type must be hello or ping' },
);
export type ClientMessage = z.output<typeof clientMessageSchema>;

export const RefetchReason = {
  /** More events were missed than the server replays. */
  GapTooLarge: 'gap_too_large',
  /** The client read too slowly; events were dropped rather than buffered. */
  SlowConsumer: 'slow_consumer',
} as const;
export type RefetchReason = (typeof RefetchReason)[keyof typeof RefetchReason];

export function fleetSampleJson(sample: FleetSample) {
  return {
    at: isoTime(sample.at),
    agents: {
      total: sample.agents.total,
      connected: sample.agents.connected,
      byStatus: { ...sample.agents.byStatus },
      byHealth: { ...sample.agents.byHealth },
    },
    compliance: { ...sample.compliance },
    commands: { created: sample.commands.created, finished: sample.commands.finished },
  };
}

export const serverMessage = {
  welcome: (
    principal: Principal,
    instanceId: string,
    fleetSampleIntervalMs: number,
    samples: readonly FleetSample[],
  ) =>
    JSON.stringify({
      type: 'welcome',
      protocol: LIVE_PROTOCOL_VERSION,
      principal: { name: principal.name, role: principal.role },
      instanceId,
      fleetSampleIntervalMs,
      samples: samples.map(fleetSampleJson),
    }),
  event: (event: EventEnvelope) => JSON.stringify({ type: 'event', event: eventJson(event) }),
  synced: (replayed: number) => JSON.stringify({ type: 'synced', replayed }),
  refetch: (reason: RefetchReason) => JSON.stringify({ type: 'refetch', reason }),
  fleet: (sample: FleetSample) => JSON.stringify({ type: 'fleet', sample: fleetSampleJson(sample) }),
  pong: (id: number | undefined) => JSON.stringify({ type: 'pong', id: id ?? null }),
};

/** The first problem with a client message, short enough for a close reason (at most 123 bytes). */
export function describeInvalid(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return closeReason(`invalid message: ${where}${issue?.message ?? 'not valid'}`);
}

export function closeReason(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= 123
    ? text
    : bytes
        .subarray(0, 120)
        .toString('utf8')
        .replace(/\uFFFD$/, '') + '...';
}
