// Heartbeats always satisfy the wire contract, whatever the metrics source returns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/logger.js';
import { buildHeartbeat, sampleMetrics } from './heartbeat-builder.js';

describe('buildHeartbeat', () => {
  it('always produces values the wire contract accepts', () => {
    const anyNumber = fc.oneof(fc.double(), fc.integer());
    fc.assert(
      fc.property(
        fc.record({
          cpuPercent: anyNumber,
          memoryPercent: anyNumber,
          memoryRssBytes: anyNumber,
          load1: anyNumber,
          uptimeSeconds: anyNumber,
          queueDepth: anyNumber,
          errorCount: anyNumber,
        }),
        (metrics) => {
          const heartbeat = buildHeartbeat({ agentId: 'a', sequence: 1, sentAtMs: 5, metrics });
          for (const p of [heartbeat.cpuPercent, heartbeat.memoryPercent] as number[]) {
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThanOrEqual(100);
          }
          for (const n of [
            heartbeat.memoryRssBytes,
            heartbeat.uptimeSeconds,
            heartbeat.queueDepth,
            heartbeat.errorCount,
          ] as number[]) {
            expect(Number.isInteger(n) && n >= 0).toBe(true);
          }
          expect(Number.isFinite(heartbeat.load1) && (heartbeat.load1 as number) >= 0).toBe(true);
        },
      ),
    );
  });

  it('keeps the identity fields and drops non-finite free-form metrics', () => {
    const heartbeat = buildHeartbeat({
      agentId: 'edge-1',
      sequence: 7,
      sentAtMs: 1_000,
      metrics: {
        cpuPercent: 12.5,
        memoryPercent: 50,
        memoryRssBytes: 10.4,
        load1: 0.3,
        uptimeSeconds: 9.9,
        metrics: { ok: 1, bad: Number.NaN },
      },
    });
    expect(heartbeat).toMatchObject({
      agentId: 'edge-1',
      sequence: 7,
      sentAtMs: 1_000,
      cpuPercent: 12.5,
      memoryRssBytes: 10,
      uptimeSeconds: 9,
    });
    expect(heartbeat.metrics).toEqual({ ok: 1 });
  });
});

describe('sampleMetrics', () => {
  it('falls back to empty metrics when the source throws', () => {
    const metrics = sampleMetrics(() => {
      throw new Error('boom');
    }, silentLogger);
    expect(metrics.cpuPercent).toBe(0);
  });
});
