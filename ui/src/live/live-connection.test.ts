// The browser's live connection against a fake socket: hello with the key as the
// first message, resume from the newest event id after a drop, backoff between
// attempts, refetch when told or when resuming without a position, stop on a
// refused key, and a dead connection found by ping.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from '../api/types';
import { LiveConnection, type LiveState, type SocketLike } from './live-connection';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code?: number, reason?: string) {
    this.closedWith = { code, reason };
  }
  open() {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

const event = (id: string, type = 'agent_updated'): LiveEvent => ({
  id,
  type,
  schemaVersion: 1,
  occurredAt: '2026-01-01T00:00:00.000Z',
  subject: { kind: 'agent', id: 'a1' },
  actor: 'system',
  data: {},
});

let sockets: FakeSocket[];
let connection: LiveConnection;
let seen: { states: LiveState[]; events: string[]; refetches: string[]; refused: string[] };

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  seen = { states: [], events: [], refetches: [], refused: [] };
  connection = new LiveConnection({
    url: 'ws://corral/api/v1/live',
    apiKey: 'cak_secret',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    backoffMs: (attempt) => 1000 * (attempt + 1),
    random: () => 1,
    pingIntervalMs: 20_000,
    onRefused: (reason) => seen.refused.push(reason),
  });
  connection.subscribe({
    state: (state) => seen.states.push(state),
    event: (e) => seen.events.push(e.id),
    refetch: (reason) => seen.refetches.push(reason),
  });
  connection.start();
});
afterEach(() => {
  connection.stop();
  vi.useRealTimers();
});

const current = () => sockets.at(-1) as FakeSocket;
const sync = (socket = current()) => {
  socket.receive({
    type: 'welcome',
    principal: { name: 'n', role: 'viewer' },
    samples: [],
    fleetSampleIntervalMs: 5000,
  });
  socket.receive({ type: 'synced', replayed: 0 });
};

describe('LiveConnection', () => {
  it('sends the key in a hello message, never in the URL', () => {
    expect(current().url).toBe('ws://corral/api/v1/live');
    current().open();
    expect(current().sent).toEqual([{ type: 'hello', apiKey: 'cak_secret' }]);
    sync();
    expect(connection.state).toBe('live');
  });

  it('resumes after a drop from the newest event id, after a backoff', () => {
    current().open();
    sync();
    current().receive({ type: 'event', event: event('01B') });
    current().receive({ type: 'event', event: event('01A') }); // late, older: does not move the position back
    expect(seen.events).toEqual(['01B', '01A']);
    current().drop();
    expect(connection.state).toBe('reconnecting');
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    current().open();
    expect(current().sent).toEqual([{ type: 'hello', apiKey: 'cak_secret', lastEventId: '01B' }]);
    sync();
    expect(seen.refetches).toEqual([]);
  });

  it('backs off longer after each failed attempt and starts over once synced', () => {
    current().drop();
    vi.advanceTimersByTime(1000);
    current().drop();
    vi.advanceTimersByTime(1999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    current().open();
    sync();
    current().drop();
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(4);
  });

  it('asks to reload when the server says so, and when it comes back with no position to resume from', () => {
    current().open();
    sync();
    current().receive({ type: 'refetch', reason: 'slow_consumer' });
    current().drop();
    vi.advanceTimersByTime(1000);
    current().open();
    expect(current().sent).toEqual([{ type: 'hello', apiKey: 'cak_secret' }]);
    sync();
    expect(seen.refetches).toEqual(['slow_consumer', 'reconnected']);
  });

  it('stops and reports a refused key instead of retrying', () => {
    current().open();
    current().drop(4401, 'API key is missing, unknown, expired or revoked');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(connection.state).toBe('stopped');
    expect(seen.refused).toEqual(['API key is missing, unknown, expired or revoked']);
  });

  it('pings, and treats a missing pong as a dead connection', () => {
    current().open();
    sync();
    vi.advanceTimersByTime(20_000);
    expect(current().sent.at(-1)).toEqual({ type: 'ping' });
    current().receive({ type: 'pong', id: null });
    vi.advanceTimersByTime(20_000);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(20_000); // the second ping went unanswered
    expect(sockets[0]?.closedWith?.code).toBe(4000);
    expect(connection.state).toBe('reconnecting');
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(2);
  });

  it('ignores frames that are not JSON or not text', () => {
    current().open();
    current().onmessage?.({ data: 'not json' } as MessageEvent);
    current().onmessage?.({ data: new ArrayBuffer(2) } as MessageEvent);
    sync();
    expect(connection.state).toBe('live');
  });
});
