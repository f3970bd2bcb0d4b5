import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { CommandQueue, type QueuedCommand } from './command-queue.js';
import {
  PRIORITY_RANK,
  COMMAND_PRIORITY_VALUES,
  type CommandPriority,
} from '../commands/command-priority.js';

interface Cmd extends QueuedCommand {
  readonly arrival: number;
}

type Op =
  | { readonly kind: 'push'; readonly priority: CommandPriority; readonly deadlineMs: number | undefined }
  | { readonly kind: 'pop' }
  | { readonly kind: 'remove'; readonly pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      priority: fc.constantFrom(...COMMAND_PRIORITY_VALUES),
      // Few distinct deadlines, so ties (and FIFO within them) are common.
      deadlineMs: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'pop' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
);

/** The reference order, written the slow and obvious way. */
const key = (c: Cmd) => [PRIORITY_RANK[c.priority], c.deadlineMs ?? Infinity, c.arrival] as const;
function modelMin(model: readonly Cmd[]): Cmd | undefined {
  return [...model].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || (ka[1] === kb[1] ? 0 : ka[1] < kb[1] ? -1 : 1) || ka[2] - kb[2];
  })[0];
}

describe('CommandQueue', () => {
  it('pops in (priority, deadline, arrival) order, never exceeds capacity, and removes by id', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { maxLength: 80 }), (capacity, ops) => {
        const queue = new CommandQueue<Cmd>({ capacity, retryAfterMs: 250 });
        let model: Cmd[] = [];
        let arrival = 0;
        for (const op of ops) {
          if (op.kind === 'push') {
            const cmd: Cmd = {
              id: `c${arrival}`,
              priority: op.priority,
              arrival,
              ...(op.deadlineMs === undefined ? {} : { deadlineMs: op.deadlineMs }),
            };
            arrival++;
            const result = queue.offer(cmd);
            if (model.length < capacity) {
              expect(result).toEqual({ accepted: true });
              model.push(cmd);
            } else {
              expect(result).toEqual({ accepted: false, reason: 'full', retryAfterMs: 250 });
            }
          } else if (op.kind === 'pop') {
            const expected = modelMin(model);
            expect(queue.pop()).toBe(expected);
            model = model.filter((c) => c !== expected);
          } else {
            const target = model[op.pick % Math.max(1, model.length)];
            const id = target?.id ?? 'missing';
            expect(queue.remove(id)).toBe(target);
            expect(queue.has(id)).toBe(false);
            model = model.filter((c) => c !== target);
          }
          expect(queue.size).toBe(model.length);
          expect(queue.size).toBeLessThanOrEqual(capacity);
          expect(queue.peek()).toBe(modelMin(model));
        }
        const rest: Cmd[] = [];
        for (let c = queue.pop(); c !== undefined; c = queue.pop()) rest.push(c);
        expect(rest.map((c) => c.id).sort()).toEqual(model.map((c) => c.id).sort());
      }),
    );
  });

  it('lets an emergency jump everything queued before it', () => {
    const queue = new CommandQueue<QueuedCommand>({ capacity: 10 });
    queue.push({ id: 'high-urgent', priority: 'high', deadlineMs: 1 });
    queue.push({ id: 'normal', priority: 'normal' });
    queue.push({ id: 'emergency', priority: 'emergency' });
    expect(queue.pop()?.id).toBe('emergency');
    expect(queue.pop()?.id).toBe('high-urgent');
  });

  it('refuses when full with resource_exhausted and a retry hint, and refuses duplicate ids', () => {
    const queue = new CommandQueue<QueuedCommand>({ capacity: 1, retryAfterMs: 500 });
    queue.push({ id: 'a', priority: 'low' });
    const refuse = (command: QueuedCommand): CorralError => {
      try {
        queue.push(command);
      } catch (error) {
        if (error instanceof CorralError) return error;
      }
      throw new Error('expected a CorralError');
    };
    const full = refuse({ id: 'b', priority: 'emergency' });
    expect(full.code).toBe(ErrorCode.ResourceExhausted);
    expect(full.retryAfterMs).toBe(500);
    expect(full.retryable).toBe(true);
    expect(refuse({ id: 'a', priority: 'low' }).code).toBe(ErrorCode.AlreadyExists);
    expect(queue.size).toBe(1);
  });

  it('finds the earliest value of what is queued, whatever the pop order, and forgets what left', () => {
    const queue = new CommandQueue<QueuedCommand & { readonly createdAt: number }>();
    const createdAt = (command: { readonly createdAt: number }) => command.createdAt;
    expect(queue.earliest(createdAt)).toBeUndefined();
    queue.push({ id: 'old-low', priority: 'low', createdAt: 10 });
    queue.push({ id: 'new-high', priority: 'high', createdAt: 30 });
    queue.push({ id: 'mid', priority: 'normal', createdAt: 20 });
    // The head is the high-priority command; the earliest is the low one behind it.
    expect(queue.peek()?.id).toBe('new-high');
    expect(queue.earliest(createdAt)).toBe(10);
    queue.remove('old-low');
    expect(queue.earliest(createdAt)).toBe(20);
    queue.pop();
    queue.pop();
    expect(queue.earliest(createdAt)).toBeUndefined();
  });

  it('rejects a capacity below one', () => {
    expect(() => new CommandQueue({ capacity: 0 })).toThrow(RangeError);
  });
});
