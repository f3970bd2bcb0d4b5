import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assessHeartbeat,
  CONNECTIVITY_PREDECESSORS,
  CONNECTIVITY_VALUES,
  Connectivity,
  Health,
  HEALTH_VALUES,
  initialHealthState,
  nextConnectivity,
  observeHealth,
  type ConnectivityEvent,
  type HeartbeatSample,
} from './health-model.js';

const EVENTS: ConnectivityEvent[] = [
  'heartbeat',
  'stream_closed',
  'timed_out',
  'went_inactive',
  'unregistered',
];
const connectivity = fc.constantFrom(...CONNECTIVITY_VALUES);
const event = fc.constantFrom(...EVENTS);
const health = fc.constantFrom(...HEALTH_VALUES.filter((h) => h !== Health.Unknown));

const sample = (overrides: Partial<HeartbeatSample> = {}): HeartbeatSample => ({
  sequence: 1,
  sentAtMs: 0,
  receivedAtMs: 60_000,
  cpuPercent: 10,
  memoryPercent: 20,
  memoryRssBytes: 1,
  load1: 0.1,
  queueDepth: 0,
  errorCount: 0,
  uptimeSeconds: 1,
  appliedConfigRevision: '',
  appliedPolicyRevision: '',
  metrics: {},
  ...overrides,
});

describe('connectivity state machine', () => {
  it('never leaves decommissioned', () => {
    fc.assert(
      fc.property(fc.array(event), (events) => {
        const final = events.reduce(nextConnectivity, Connectivity.Decommissioned as Connectivity);
        expect(final).toBe(Connectivity.Decommissioned);
      }),
    );
  });

  it('only makes transitions its own predecessor table allows', () => {
    fc.assert(
      fc.property(connectivity, event, (from, e) => {
        const to = nextConnectivity(from, e);
        if (to !== from) expect(CONNECTIVITY_PREDECESSORS[to]).toContain(from);
      }),
    );
  });

  it('is online after a heartbeat unless decommissioned', () => {
    fc.assert(
      fc.property(connectivity, (from) => {
        expect(nextConnectivity(from, 'heartbeat')).toBe(
          from === Connectivity.Decommissioned ? from : Connectivity.Online,
        );
      }),
    );
  });

  it('goes offline, not inactive, when an online stream closes, and stays inactive once inactive', () => {
    expect(nextConnectivity(Connectivity.Online, 'stream_closed')).toBe(Connectivity.Offline);
    expect(nextConnectivity(Connectivity.Inactive, 'stream_closed')).toBe(Connectivity.Inactive);
    expect(nextConnectivity(Connectivity.Inactive, 'timed_out')).toBe(Connectivity.Inactive);
    expect(nextConnectivity(Connectivity.Offline, 'went_inactive')).toBe(Connectivity.Inactive);
  });
});

describe('assessHeartbeat', () => {
  it('is healthy within thresholds and names every breached threshold', () => {
    expect(assessHeartbeat(sample(), undefined)).toEqual({ health: Health.Healthy, reasons: [] });
    const bad = assessHeartbeat(sample({ cpuPercent: 99, memoryPercent: 90 }), undefined);
    expect(bad.health).toBe(Health.Unhealthy);
    expect(bad.reasons).toEqual(['cpu_percent 99 >= 97', 'memory_percent 90 >= 85']);
  });

  it('derives the error rate from the previous heartbeat', () => {
    const previous = sample({ errorCount: 100, receivedAtMs: 0 });
    expect(assessHeartbeat(sample({ errorCount: 120, receivedAtMs: 60_000 }), previous).health).toBe(
      Health.Degraded,
    );
    expect(assessHeartbeat(sample({ errorCount: 300, receivedAtMs: 60_000 }), previous).health).toBe(
      Health.Unhealthy,
    );
    // A counter that went down (agent restarted) is not an error burst.
    expect(assessHeartbeat(sample({ errorCount: 0, receivedAtMs: 60_000 }), previous).health).toBe(
      Health.Healthy,
    );
  });

  it('is monotonic in CPU: more CPU never means better health', () => {
    const rank = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3 };
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          expect(
            rank[assessHeartbeat(sample({ cpuPercent: high }), undefined).health],
          ).toBeGreaterThanOrEqual(rank[assessHeartbeat(sample({ cpuPercent: low }), undefined).health]);
        },
      ),
    );
  });
});

describe('flapping suppression (observeHealth)', () => {
  const assess = (h: Health) => ({ health: h, reasons: [] });

  it('takes the first assessment of an unknown agent at once', () => {
    const { state, changedFrom } = observeHealth(initialHealthState(), assess(Health.Degraded), 5, 3);
    expect(state.current).toBe(Health.Degraded);
    expect(changedFrom).toBe(Health.Unknown);
  });

  it('changes only after k identical assessments in a row', () => {
    fc.assert(
      fc.property(
        health,
        fc.array(health, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (start, seq, k) => {
          let state = { ...initialHealthState(start) };
          let run: { h: Health; n: number } = { h: start, n: 0 };
          for (const h of seq) {
            run = run.h === h ? { h, n: run.n + 1 } : { h, n: 1 };
            const before = state.current;
            const result = observeHealth(state, assess(h), 0, k);
            state = result.state;
            if (state.current !== before) {
              expect(state.current).toBe(h);
              expect(run.n).toBeGreaterThanOrEqual(k);
              expect(result.changedFrom).toBe(before);
            } else {
              expect(result.changedFrom).toBeUndefined();
            }
          }
        },
      ),
    );
  });

  it('never changes while assessments alternate', () => {
    let state = initialHealthState(Health.Healthy);
    for (let i = 0; i < 50; i++) {
      state = observeHealth(state, assess(i % 2 === 0 ? Health.Unhealthy : Health.Healthy), i, 2).state;
      expect(state.current).toBe(Health.Healthy);
    }
  });
});
