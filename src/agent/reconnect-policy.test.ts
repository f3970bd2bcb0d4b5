// Where and when the agent reconnects: moving on through its addresses after
// failures, drains and ended streams, staying after a restart or a refused
// session, growing the backoff per round, and honouring the server's hints
// only when the round brings it back. Pure: a fixed random source.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import type { StreamEnd } from './heartbeat-stream.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import { ServerRotation } from './server-rotation.js';
import { STATUS_DETAILS_KEY, encodeStatusDetails } from './status-details.js';

/** Random draws of 0.5: every delay is half its ceiling (plus the rounding of full jitter). */
const policy = (addresses: string | string[], random = () => 0.5) =>
  new ReconnectPolicy(
    new Backoff({ baseMs: 1_000, capMs: 60_000, multiplier: 2, stableAfterMs: 30_000 }, random),
    new ServerRotation(addresses),
  );

const grpcError = (code: grpc.status, retryDelayMs?: number) => {
  const metadata = new grpc.Metadata();
  if (retryDelayMs !== undefined)
    metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails({ code, message: 'x', retryDelayMs }));
  return Object.assign(new Error(`${code}`), { code, details: 'x', metadata });
};

const failed = (error: unknown, connectedForMs = 0): StreamEnd => ({ kind: 'failed', error, connectedForMs });
const drain = (retryAfterMs: number, connectedForMs = 0): StreamEnd => ({
  kind: 'drain',
  drain: { reason: 'operator_drain', deadlineMs: 0, retryAfterMs },
  connectedForMs,
});
const unavailable = grpcError(grpc.status.UNAVAILABLE);

describe('ReconnectPolicy with several addresses', () => {
  it('moves to the next address after a failure, wrapping around', () => {
    const p = policy(['a:1', 'b:1', 'c:1']);
    const addresses = [1, 2, 3, 4].map(() => p.afterError(unavailable).address);
    expect(addresses).toEqual(['b:1', 'c:1', 'a:1', 'b:1']);
  });

  it('grows the backoff per full round, not per address', () => {
    const p = policy(['a:1', 'b:1', 'c:1']);
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => p.afterError(unavailable).delayMs);
    // Within a round: a jittered delay at the current step; the round's last move counts the step.
    expect(delays).toEqual([500, 500, 500, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000]);
    expect(p.attempt).toBe(3);
  });

  it('keeps to the address that works: a success starts the round again', () => {
    const p = policy(['a:1', 'b:1']);
    expect(p.afterError(unavailable)).toEqual({ address: 'b:1', moved: true, delayMs: 500 });
    p.succeeded();
    expect(p.address).toBe('b:1');
    // b:1 now fails: a:1 is next, and it is the first move of a new round.
    expect(p.afterError(unavailable)).toEqual({ address: 'a:1', moved: true, delayMs: 500 });
    expect(p.attempt).toBe(0);
  });

  it('moves on after a drain without waiting for the drained server', () => {
    const p = policy(['a:1', 'b:1', 'c:1']);
    expect(p.afterStream(drain(30_000, 60_000))).toEqual({ address: 'b:1', moved: true, delayMs: 500 });
  });

  it('honours a drain or RetryInfo hint once the round comes back to a server it tried', () => {
    const p = policy(['a:1', 'b:1']);
    p.afterStream(drain(5_000));
    // b:1 refuses too, with a hint: the round is complete, back to a:1 no sooner than the hint.
    expect(p.afterError(grpcError(grpc.status.UNAVAILABLE, 4_000))).toEqual({
      address: 'a:1',
      moved: true,
      delayMs: 4_000,
    });
  });

  it('moves on when the server ends the stream without a drain', () => {
    const p = policy(['a:1', 'b:1']);
    expect(p.afterStream({ kind: 'ended', connectedForMs: 60_000 }).address).toBe('b:1');
  });

  it('moves on after an overloaded server (RESOURCE_EXHAUSTED) and a missing ConnectAck', () => {
    const p = policy(['a:1', 'b:1', 'c:1']);
    expect(p.afterError(grpcError(grpc.status.RESOURCE_EXHAUSTED, 5_000))).toMatchObject({
      address: 'b:1',
      delayMs: 500,
    });
    expect(p.afterStream(failed(new Error('no ConnectAck within 15000 ms'))).address).toBe('c:1');
  });

  it('stays after a refused session token: any instance authenticates again', () => {
    const p = policy(['a:1', 'b:1']);
    expect(p.afterError(grpcError(grpc.status.UNAUTHENTICATED))).toEqual({
      address: 'a:1',
      moved: false,
      delayMs: 500,
    });
  });

  it('stays after a command-requested restart, waiting the requested delay', () => {
    const p = policy(['a:1', 'b:1']);
    p.restartIn(2_000);
    expect(p.afterStream({ kind: 'restart', connectedForMs: 100 })).toEqual({
      address: 'a:1',
      moved: false,
      delayMs: 2_500,
    });
  });

  it('a stable connection resets the backoff before the next move', () => {
    const p = policy(['a:1', 'b:1']);
    for (let i = 0; i < 6; i += 1) p.afterError(unavailable);
    expect(p.attempt).toBe(3);
    expect(p.afterStream(failed(unavailable, 60_000))).toMatchObject({ delayMs: 500 });
    expect(p.attempt).toBe(0);
  });
});

describe('ReconnectPolicy with one address (as before rotation)', () => {
  it('backs off on every failure, to the server hint when larger', () => {
    const p = policy('a:1');
    expect([1, 2, 3].map(() => p.afterError(unavailable))).toEqual([
      { address: 'a:1', moved: false, delayMs: 500 },
      { address: 'a:1', moved: false, delayMs: 1_000 },
      { address: 'a:1', moved: false, delayMs: 2_000 },
    ]);
    expect(p.afterError(grpcError(grpc.status.UNAVAILABLE, 9_000)).delayMs).toBe(9_000);
  });

  it('waits a drain’s retry_after plus jitter', () => {
    expect(policy('a:1').afterStream(drain(3_000, 60_000))).toEqual({
      address: 'a:1',
      moved: false,
      delayMs: 3_500,
    });
  });
});
