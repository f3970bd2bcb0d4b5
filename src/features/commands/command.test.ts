import fc from 'fast-check';
import { COMMAND_PRIORITY_VALUES, priorityRank } from './command-priority.js';
import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import {
  applyEvent,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TTL_SECONDS,
  MAX_CAPABILITY_COUNT,
  MAX_JSON_DEPTH,
  MAX_PARAMS_BYTES,
  MAX_RESULT_BYTES,
  MAX_TARGET_AGENTS,
  newCommand,
  parseCreateCommandRequest,
  progressSchema,
  refuseUnsafeJson,
  resultSchema,
  type CommandTarget,
} from './command.js';

const NOW = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

function failure(call: () => unknown): CorralError {
  try {
    call();
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}
const fields = (body: unknown) =>
  failure(() => parseCreateCommandRequest(body, NOW)).violations.map((v) => v.field);

const body = (overrides: Record<string, unknown> = {}) => ({
  type: 'ping',
  target: { kind: 'agent', agentId: 'agent-1' },
  ...overrides,
});

describe('priority', () => {
  it('ranks emergency > high > normal > low, lower rank first', () => {
    const ranks = COMMAND_PRIORITY_VALUES.map(priorityRank);
    expect(COMMAND_PRIORITY_VALUES).toEqual(['emergency', 'high', 'normal', 'low']);
    expect(ranks).toEqual([0, 1, 2, 3]);
    expect(new Set(ranks).size).toBe(ranks.length);
  });
});

describe('create-command request', () => {
  it('accepts every target kind', () => {
    const targets: CommandTarget[] = [
      { kind: 'agent', agentId: 'agent-1' },
      { kind: 'agents', agentIds: ['a', 'b'] },
      { kind: 'group', groupId: 'linux-servers' },
      { kind: 'selector', labels: { env: 'prod' } },
      { kind: 'capability', capability: 'edr', count: 5 },
      { kind: 'capability', capability: 'edr', count: 1, labels: { region: 'eu' } },
    ];
    for (const target of targets)
      expect(parseCreateCommandRequest(body({ target }), NOW).target).toEqual(target);
  });

  it('fills in defaults', () => {
    expect(parseCreateCommandRequest(body(), NOW)).toEqual({
      type: 'ping',
      params: {},
      priority: 'normal',
      target: { kind: 'agent', agentId: 'agent-1' },
      deadlineAt: NOW + DEFAULT_TIMEOUT_SECONDS * 1000,
      expiresAt: NOW + DEFAULT_TTL_SECONDS * 1000,
      idempotencyKey: null,
    });
  });

  it('de-duplicates agent ids', () => {
    const target = { kind: 'agents', agentIds: ['a', 'b', 'a'] };
    expect(parseCreateCommandRequest(body({ target }), NOW).target).toEqual({
      kind: 'agents',
      agentIds: ['a', 'b'],
    });
  });

  it('resolves relative and absolute times', () => {
    const relative = parseCreateCommandRequest(body({ timeoutSeconds: 120, ttlSeconds: 60 }), NOW);
    expect([relative.deadlineAt, relative.expiresAt]).toEqual([NOW + 120_000, NOW + 60_000]);
    const absolute = parseCreateCommandRequest(
      body({ deadlineAt: iso(NOW + 600_000), expiresAt: '2026-01-01T02:05:00+02:00' }),
      NOW,
    );
    expect([absolute.deadlineAt, absolute.expiresAt]).toEqual([NOW + 600_000, NOW + 300_000]);
    // A defaulted expiry never passes the deadline.
    expect(parseCreateCommandRequest(body({ timeoutSeconds: 30 }), NOW).expiresAt).toBe(NOW + 30_000);
  });

  it('refuses a past deadline or expiry, naming the field', () => {
    expect(fields(body({ deadlineAt: iso(NOW - 1) }))).toEqual(['deadlineAt']);
    expect(fields(body({ deadlineAt: iso(NOW) }))).toEqual(['deadlineAt']);
    expect(fields(body({ expiresAt: iso(NOW - 60_000) }))).toEqual(['expiresAt']);
    expect(fields(body({ deadlineAt: iso(NOW + 60_000), expiresAt: iso(NOW + 120_000) }))).toEqual([
      'expiresAt',
    ]);
    expect(fields(body({ timeoutSeconds: 60, ttlSeconds: 120 }))).toEqual(['ttlSeconds']);
    expect(fields(body({ deadlineAt: iso(NOW + 8 * 24 * 3600_000) }))).toEqual(['deadlineAt']);
  });

  it('refuses a deadline in the past whatever the clock', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 10 ** 9 }), (now, ago) => {
        const error = failure(() => parseCreateCommandRequest(body({ deadlineAt: iso(now - ago) }), now));
        expect(error.violations.map((v) => v.field)).toEqual(['deadlineAt']);
      }),
    );
  });

  it('names every bad field', () => {
    const cases: [unknown, string][] = [
      [body({ type: 'Scan!' }), 'type'],
      [body({ priority: 'urgent' }), 'priority'],
      [body({ params: [] }), 'params'],
      [body({ params: { blob: 'x'.repeat(MAX_PARAMS_BYTES) } }), 'params'],
      [body({ target: { kind: 'planet' } }), 'target.kind'],
      [body({ target: { kind: 'agent' } }), 'target.agentId'],
      [body({ target: { kind: 'agent', agentId: 'a', extra: 1 } }), 'target.extra'],
      [body({ target: { kind: 'agents', agentIds: [] } }), 'target.agentIds'],
      [body({ target: { kind: 'agents', agentIds: ['ok', '-bad'] } }), 'target.agentIds.1'],
      [
        body({
          target: {
            kind: 'agents',
            agentIds: Array.from({ length: MAX_TARGET_AGENTS + 1 }, (_, i) => `a${i}`),
          },
        }),
        'target.agentIds',
      ],
      [body({ target: { kind: 'group', groupId: '' } }), 'target.groupId'],
      [body({ target: { kind: 'selector', labels: {} } }), 'target.labels'],
      [body({ target: { kind: 'capability', capability: 'edr', count: 0 } }), 'target.count'],
      [
        body({ target: { kind: 'capability', capability: 'edr', count: MAX_CAPABILITY_COUNT + 1 } }),
        'target.count',
      ],
      [body({ target: { kind: 'capability', capability: '', count: 1 } }), 'target.capability'],
      [body({ deadlineAt: 'tomorrow' }), 'deadlineAt'],
      [body({ deadlineAt: '2026-01-02T00:00:00' }), 'deadlineAt'],
      [body({ timeoutSeconds: 0 }), 'timeoutSeconds'],
      [body({ ttlSeconds: 1.5 }), 'ttlSeconds'],
      [body({ deadlineAt: iso(NOW + 1000), timeoutSeconds: 1 }), 'timeoutSeconds'],
      [body({ expiresAt: iso(NOW + 1000), ttlSeconds: 1 }), 'ttlSeconds'],
      [body({ idempotencyKey: '' }), 'idempotencyKey'],
      [body({ extra: true }), 'extra'],
      [{ target: { kind: 'agent', agentId: 'a' } }, 'type'],
      [
        JSON.parse('{"type":"ping","target":{"kind":"agent","agentId":"a"},"params":{"__proto__":{}}}'),
        'params.__proto__',
      ],
    ];
    for (const [input, field] of cases) expect(fields(input), field).toContain(field);
    expect(failure(() => parseCreateCommandRequest(body({ type: 1 }), NOW)).code).toBe(
      ErrorCode.InvalidArgument,
    );
  });
});

describe('results and progress', () => {
  it('caps the result size', () => {
    expect(resultSchema.safeParse({ found: ['x'] }).success).toBe(true);
    expect(resultSchema.safeParse('x'.repeat(MAX_RESULT_BYTES)).success).toBe(false);
  });

  it('keeps progress within 0-100', () => {
    expect(progressSchema.parse({ percent: 40 })).toEqual({ percent: 40, message: '' });
    expect(progressSchema.safeParse({ percent: 101 }).success).toBe(false);
    expect(progressSchema.safeParse({ percent: -1, message: 'x' }).success).toBe(false);
  });
});

describe('command record', () => {
  const request = parseCreateCommandRequest(body(), NOW);
  const queued = newCommand(request, {
    id: '01J0000000000000000000000A',
    requester: 'api-key:ops',
    createdAt: NOW,
  });

  it('starts queued with its one agent resolved', () => {
    expect(queued).toMatchObject({ status: 'queued', agentId: 'agent-1', parentId: null, deliveries: 0 });
    expect(queued.history).toEqual([{ status: 'queued', at: NOW }]);
  });

  it('records each status change and counts deliveries', () => {
    const events = [
      'schedule',
      'dispatch',
      'redeliver',
      'acknowledge',
      'start',
      'progress',
      'succeed',
    ] as const;
    const done = events.reduce((command, e, i) => applyEvent(command, e, NOW + i + 1), queued);
    expect(done.status).toBe('succeeded');
    expect(done.deliveries).toBe(2);
    expect(done.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
    expect(() => applyEvent(done, 'request_cancel', NOW + 10)).toThrow(CorralError);
    expect(applyEvent(queued, 'request_cancel', NOW + 1, 'by ops').history.at(-1)).toEqual({
      status: 'cancel_requested',
      at: NOW + 1,
      detail: 'by ops',
    });
  });

  it('refuses lifecycle events on a partially failed bulk parent', () => {
    const parent = { ...queued, status: 'partially_failed' as const };
    expect(failure(() => applyEvent(parent, 'succeed', NOW)).code).toBe(ErrorCode.PreconditionFailed);
  });
});

describe('unsafe JSON', () => {
  it('refuses deep nesting without exhausting the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [field] = fields(body({ params: { deep } }));
    expect(field?.split('.').length).toBe(MAX_JSON_DEPTH);
    expect(field?.startsWith('params.deep.0.0')).toBe(true);
    expect(() => refuseUnsafeJson({ a: { b: [1, { c: 'x' }] } })).not.toThrow();
  });
});
