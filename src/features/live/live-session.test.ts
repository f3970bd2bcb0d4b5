// LiveSession's ordering during a resume, on a recording socket: events that
// arrive while the replay is read wait, are sent after it without repeating
// what it held, and a queue that overflows turns into a refetch.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/clock.js';
import type { EventEnvelope } from '../events/event.js';
import { FleetSampler } from './fleet-sampler.js';
import type { LiveFeed, Replay } from './live-feed.js';
import { serverMessage } from './live-messages.js';
import { DEFAULT_LIVE_LIMITS, LiveSession, type LiveSocket } from './live-session.js';

class RecordingSocket implements LiveSocket {
  readonly sent: { type: string; [k: string]: unknown }[] = [];
  bufferedAmount = 0;
  closedWith: { code: number; reason: string } | undefined;
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code: number, reason: string) {
    this.closedWith = { code, reason };
  }
}

const event = (id: string): EventEnvelope => ({
  id: id.padEnd(26, '0'),
  type: 'agent_updated',
  schemaVersion: 1,
  occurredAt: 0,
  subject: { kind: 'agent', id: 'a' },
  actor: 'system',
  data: {},
});

/** A feed whose replay resolves when the test says so, with the events it is given. */
function fakeFeed() {
  let release: (replay: Replay) => void = () => undefined;
  const sampler = new FleetSampler(
    async () => ({
      agents: { total: 0, connected: 0, byStatus: {}, byHealth: {} },
      compliance: {},
      commands: { created: 0, finished: 0 },
    }),
    new FakeClock(),
    { intervalMs: 1000, capacity: 1 },
    () => undefined,
  );
  const feed = {
    sampler,
    instanceId: 'i',
    attach: () => () => undefined,
    replay: () => new Promise<Replay>((resolve) => (release = resolve)),
  } as unknown as LiveFeed;
  return { feed, release: (replay: Replay) => release(replay) };
}

const principal = { actor: 'api_key:1', name: 'k', role: 'viewer' as const };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveSession resuming', () => {
  it('sends replayed events, then those that came meanwhile, each once, then synced', async () => {
    const socket = new RecordingSocket();
    const { feed, release } = fakeFeed();
    const session = new LiveSession(socket, {
      feed,
      authenticate: async () => principal,
      checkFailures: () => undefined,
      recordFailure: () => undefined,
    });
    session.receive(JSON.stringify({ type: 'hello', apiKey: 'k', lastEventId: '01'.padEnd(26, '0') }));
    await settle();
    expect(session.current).toBe('syncing');
    session.event(event('03').id, serverMessage.event(event('03'))); // also in the replay
    session.event(event('04').id, serverMessage.event(event('04')));
    release({ events: [event('02'), event('03')], complete: true });
    await settle();
    expect(
      socket.sent.map((m) => (m.type === 'event' ? (m.event as { id: string }).id.slice(0, 2) : m.type)),
    ).toEqual(['welcome', '02', '03', '04', 'synced']);
    expect(session.current).toBe('live');
    session.closed();
  });

  it('asks for a refetch when more events came meanwhile than it queues', async () => {
    const socket = new RecordingSocket();
    const { feed, release } = fakeFeed();
    const session = new LiveSession(
      socket,
      {
        feed,
        authenticate: async () => principal,
        checkFailures: () => undefined,
        recordFailure: () => undefined,
      },
      { ...DEFAULT_LIVE_LIMITS, replayLimit: 2 },
    );
    session.receive(JSON.stringify({ type: 'hello', apiKey: 'k', lastEventId: '01'.padEnd(26, '0') }));
    await settle();
    for (const id of ['05', '06', '07']) session.event(event(id).id, serverMessage.event(event(id)));
    release({ events: [], complete: true });
    await settle();
    expect(socket.sent.map((m) => m.type)).toEqual(['welcome', 'refetch', 'event', 'event', 'synced']);
    expect(socket.sent[1]).toEqual({ type: 'refetch', reason: 'gap_too_large' });
    session.closed();
  });
});
