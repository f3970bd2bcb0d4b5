// GET /api/v1/live: the live channel as a WebSocket (protocol in
// live-messages.ts, behaviour in live-session.ts). The upgrade itself needs no
// key, so that browsers, which cannot set headers on a WebSocket, keep the key
// out of the URL: the first message carries it. Bad keys count towards the same
// per-address limit as the REST API's. A plain GET answers 426.
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app/services.js';
import type { FailedAuthLimiter } from '../../transports/http/failed-auth-limiter.js';
import { HttpProblem } from '../../transports/http/problem.js';
import { problemResponse } from '../../transports/http/route-kit.js';
import type { LiveFeed } from './live-feed.js';
import { LiveClose } from './live-messages.js';
import { DEFAULT_LIVE_LIMITS, LiveSession, type LiveLimits } from './live-session.js';

export const LIVE_PATH = '/api/v1/live';
/** Bytes one client message may have; a hello is well under 1 KiB. */
const MAX_CLIENT_MESSAGE_BYTES = 4096;
/** Open live sockets one instance accepts; a dashboard tab holds one. */
export const MAX_LIVE_CONNECTIONS = 500;

export interface LiveRouteOptions {
  readonly services: Services;
  readonly feed: LiveFeed;
  readonly failedAuth: FailedAuthLimiter;
  readonly limits?: LiveLimits;
  readonly maxConnections?: number;
}

const DESCRIPTION = `A WebSocket (send \`Upgrade: websocket\`) that pushes lifecycle events and fleet counts as they happen.

1. Within 10 s of opening, send \`{"type":"hello","apiKey":"<key>","lastEventId":"<id>"}\` (\`lastEventId\` optional: the last event you saw).
   A bad key closes with 4401, a bad message with 4400, too many bad keys from one address with 4429.
2. The server answers \`{"type":"welcome","principal":{name,role},"fleetSampleIntervalMs","samples":[...]}\` with the recent fleet samples,
   replays every event after \`lastEventId\` (up to 1000; beyond that it sends \`{"type":"refetch","reason":"gap_too_large"}\`), then \`{"type":"synced"}\`.
3. From then on: \`{"type":"event","event":{...}}\` (as GET /api/v1/events shows events), \`{"type":"fleet","sample":{...}}\` every interval.
   A client that reads too slowly gets no events until it has caught up, then \`{"type":"refetch","reason":"slow_consumer"}\`.
4. \`{"type":"ping","id":1}\` is answered with \`{"type":"pong","id":1}\`. Any other message closes with 4400.

Any role may connect. The key is checked again every minute; a revoked key is closed with 4401. Stopping the server closes with 1001.`;

export async function registerLiveRoutes(app: FastifyInstance, options: LiveRouteOptions): Promise<void> {
  const { services, feed, failedAuth } = options;
  const limits = options.limits ?? DEFAULT_LIVE_LIMITS;
  const maxConnections = options.maxConnections ?? MAX_LIVE_CONNECTIONS;
  let open = 0;
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });
  app.route({
    method: 'GET',
    url: '/live',
    schema: {
      summary: 'Live events and fleet counts (WebSocket)',
      description: DESCRIPTION,
      tags: ['live'],
      security: [],
      response: {
        101: { description: 'Switching to the WebSocket protocol', type: 'null' },
        426: problemResponse(426),
      },
    },
    handler: async () => {
      throw new HttpProblem(426, 'upgrade_required', `${LIVE_PATH} is a WebSocket: send Upgrade: websocket`, {
        headers: { upgrade: 'websocket' },
      });
    },
    wsHandler: (socket, request) => {
      if (open >= maxConnections) {
        socket.close(LiveClose.Busy, 'this instance holds as many live connections as it allows');
        return;
      }
      open++;
      const session = new LiveSession(
        socket,
        {
          feed,
          authenticate: (key) => services.apiKeys.authenticate(key),
          checkFailures: () => failedAuth.check(request.ip),
          recordFailure: () => failedAuth.recordFailure(request.ip),
        },
        limits,
      );
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          socket.close(LiveClose.BadMessage, 'invalid message: send text frames');
          return;
        }
        session.receive(textOf(data));
      });
      socket.once('close', () => {
        open--;
        session.closed();
      });
    },
  });
}

function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
