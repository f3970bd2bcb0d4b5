// The operator drain's pace and states over a fake set of streams: waves of
// waveSize every waveIntervalMs, refusal of new streams while draining, waves
// going on until the last agent has left, resume, and idempotent requests.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../shared/clock.js';
import {
  InstanceDrain,
  OPERATOR_DRAIN_REASON,
  type DrainableStreams,
  type DrainNotice,
} from './instance-drain.js';

class FakeStreams implements DrainableStreams {
  refusing = false;
  readonly told: string[] = [];
  notices: DrainNotice[] = [];
  constructor(public agents: string[]) {}
  refuseNewStreams(refuse: boolean): void {
    this.refusing = refuse;
  }
  drainSome(count: number, notice: DrainNotice): number {
    const wave = this.agents.filter((a) => !this.told.includes(a)).slice(0, count);
    this.told.push(...wave);
    if (wave.length > 0) this.notices.push(notice);
    return wave.length;
  }
  connectedCount(): number {
    return this.agents.length;
  }
  /** The agents told so far close their streams. */
  leave(): void {
    this.agents = this.agents.filter((a) => !this.told.includes(a));
  }
}

const pace = { waveSize: 2, waveIntervalMs: 1_000, graceMs: 5_000, retryAfterMs: 1_000 };

describe('InstanceDrain', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses new streams and tells waveSize agents per wave, one wave per interval', () => {
    const streams = new FakeStreams(['a1', 'a2', 'a3', 'a4', 'a5']);
    const clock = new FakeClock(1_000);
    const drain = new InstanceDrain(() => streams, pace, clock);
    expect(drain.drain('api_key:ops')).toBe(true);
    expect(streams.refusing).toBe(true);
    expect(drain.current).toEqual({ state: 'draining', since: 1_000, by: 'api_key:ops' });
    expect(streams.told).toEqual(['a1', 'a2']);
    vi.advanceTimersByTime(999);
    expect(streams.told).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(streams.told).toEqual(['a1', 'a2', 'a3', 'a4']);
    vi.advanceTimersByTime(1_000);
    expect(streams.told).toHaveLength(5);
    expect(streams.notices.every((n) => n.reason === OPERATOR_DRAIN_REASON && n.graceMs === 5_000)).toBe(
      true,
    );
  });

  it('reports each wave with the agents still connected, and stops once none is left', () => {
    const streams = new FakeStreams(['a1', 'a2', 'a3']);
    const drain = new InstanceDrain(() => streams, pace, new FakeClock());
    const progress: [string, number][] = [];
    drain.onProgress((status, agents) => progress.push([status.state, agents]));
    drain.drain('ops');
    streams.leave();
    vi.advanceTimersByTime(1_000);
    streams.leave();
    vi.advanceTimersByTime(1_000);
    expect(progress).toEqual([
      ['draining', 3],
      ['draining', 1],
      ['draining', 0],
    ]);
    expect(vi.getTimerCount()).toBe(0);
    // Still draining: new streams stay refused until resumed.
    expect(drain.isDraining).toBe(true);
    expect(streams.refusing).toBe(true);
  });

  it('a second drain changes nothing; resume accepts streams again and sends no more Drains', () => {
    const streams = new FakeStreams(['a1', 'a2', 'a3', 'a4', 'a5']);
    const drain = new InstanceDrain(() => streams, pace, new FakeClock());
    const states: string[] = [];
    drain.onProgress((status) => states.push(status.state));
    drain.drain('ops');
    expect(drain.drain('someone else')).toBe(false);
    expect(drain.current.by).toBe('ops');
    expect(drain.resume()).toBe(true);
    expect(drain.resume()).toBe(false);
    expect(streams.refusing).toBe(false);
    expect(drain.current).toEqual({ state: 'serving', since: null, by: null });
    vi.advanceTimersByTime(10_000);
    expect(streams.told).toEqual(['a1', 'a2']);
    expect(states).toEqual(['draining', 'serving']);
  });

  it('close() stops the waves (shutdown drains everything its own way)', () => {
    const streams = new FakeStreams(['a1', 'a2', 'a3']);
    const drain = new InstanceDrain(() => streams, pace, new FakeClock());
    drain.drain('ops');
    drain.close();
    vi.advanceTimersByTime(5_000);
    expect(streams.told).toEqual(['a1', 'a2']);
  });
});
