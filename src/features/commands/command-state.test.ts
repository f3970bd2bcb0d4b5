import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import {
  aggregateStatus,
  canTransition,
  cancelNeedsAgent,
  COMMAND_EVENT_VALUES,
  COMMAND_PREDECESSORS,
  COMMAND_STATUS_VALUES,
  isDuplicateReport,
  isTerminal,
  TERMINAL_STATUSES,
  transition,
  type CommandEvent,
  type CommandStatus,
} from './command-state.js';

const status = fc.constantFrom(...COMMAND_STATUS_VALUES);
const event = fc.constantFrom(...COMMAND_EVENT_VALUES);
const terminal = fc.constantFrom(...TERMINAL_STATUSES);

/** Applies events, skipping the illegal ones (as a service would refuse them), and returns the path. */
function walk(from: CommandStatus, events: readonly CommandEvent[]): CommandStatus[] {
  const path = [from];
  let current = from;
  for (const e of events) {
    if (!canTransition(current, e)) continue;
    current = transition(current, e);
    path.push(current);
  }
  return path;
}

const HAPPY: CommandEvent[] = ['schedule', 'dispatch', 'acknowledge', 'start', 'progress', 'succeed'];

describe('command state machine', () => {
  it('follows the happy path to succeeded', () => {
    expect(walk('queued', HAPPY)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
      'running',
      'running',
      'succeeded',
    ]);
    expect(HAPPY.reduce(transition, 'queued' as CommandStatus)).toBe('succeeded');
  });

  it('never leaves a terminal status, whatever the events', () => {
    fc.assert(
      fc.property(terminal, fc.array(event), (from, events) => {
        for (const e of events) expect(canTransition(from, e)).toBe(false);
        expect(walk(from, events)).toEqual([from]);
      }),
    );
  });

  it('reaches every status only through its predecessor table', () => {
    fc.assert(
      fc.property(status, event, (from, e) => {
        if (canTransition(from, e)) expect(COMMAND_PREDECESSORS[transition(from, e)]).toContain(from);
      }),
    );
  });

  it('has no predecessor entry that no event realises', () => {
    for (const to of COMMAND_STATUS_VALUES) {
      for (const from of COMMAND_PREDECESSORS[to]) {
        expect(COMMAND_EVENT_VALUES.some((e) => canTransition(from, e) && transition(from, e) === to)).toBe(
          true,
        );
      }
    }
  });

  it('throws nothing but precondition_failed CorralErrors, and only when canTransition says no', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        let current: CommandStatus = 'queued';
        for (const e of events) {
          try {
            current = transition(current, e);
          } catch (error) {
            expect(error).toBeInstanceOf(CorralError);
            expect((error as CorralError).code).toBe(ErrorCode.PreconditionFailed);
            expect(canTransition(current, e)).toBe(false);
          }
        }
      }),
    );
  });

  it('never moves backwards along the happy path, redeliver included', () => {
    const order: CommandStatus[] = ['queued', 'scheduled', 'dispatched', 'acknowledged', 'running'];
    fc.assert(
      fc.property(fc.array(event), (events) => {
        const ranks = walk('queued', events)
          .map((s) => order.indexOf(s))
          .filter((rank) => rank >= 0);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      }),
    );
    expect(transition('dispatched', 'redeliver')).toBe('dispatched');
    expect(canTransition('acknowledged', 'redeliver')).toBe(false);
    expect(canTransition('running', 'redeliver')).toBe(false);
  });

  it('accepts a cancel request in every non-terminal status', () => {
    fc.assert(
      fc.property(status, (from) => {
        expect(canTransition(from, 'request_cancel')).toBe(!isTerminal(from));
      }),
    );
  });

  it('lets the agent finish first when a cancel races a completion', () => {
    const raced = transition(transition('running', 'request_cancel'), 'progress');
    expect(transition(raced, 'succeed')).toBe('succeeded');
    expect(transition(raced, 'fail')).toBe('failed');
    expect(transition(raced, 'confirm_cancel')).toBe('cancelled');
    expect(transition(transition('dispatched', 'request_cancel'), 'acknowledge')).toBe('cancel_requested');
  });

  it('refuses a cancel after success', () => {
    expect(() => transition('succeeded', 'request_cancel')).toThrow(CorralError);
    expect(() => transition('succeeded', 'confirm_cancel')).toThrow(/already succeeded/);
  });

  it('expires only commands no agent has acknowledged', () => {
    const expirable = COMMAND_STATUS_VALUES.filter((s) => canTransition(s, 'expire'));
    expect(expirable).toEqual(['queued', 'scheduled', 'dispatched']);
    expect(() => transition(transition('dispatched', 'expire'), 'acknowledge')).toThrow(CorralError);
  });

  it('needs the agent to confirm a cancel only once the command was sent', () => {
    expect(COMMAND_STATUS_VALUES.filter(cancelNeedsAgent)).toEqual(['dispatched', 'acknowledged', 'running']);
  });

  it('recognises a repeated terminal report as a duplicate, and nothing else', () => {
    fc.assert(
      fc.property(status, event, (s, e) => {
        const duplicate = isDuplicateReport(s, e);
        if (duplicate) expect(isTerminal(s)).toBe(true);
        if (!isTerminal(s)) expect(duplicate).toBe(false);
      }),
    );
    expect(isDuplicateReport('succeeded', 'succeed')).toBe(true);
    expect(isDuplicateReport('cancelled', 'confirm_cancel')).toBe(true);
    expect(isDuplicateReport('expired', 'expire')).toBe(true);
    expect(isDuplicateReport('succeeded', 'fail')).toBe(false);
    expect(isDuplicateReport('running', 'progress')).toBe(false);
  });
});

describe('aggregate status of a bulk parent', () => {
  const children = fc.array(status, { maxLength: 20 });

  it('is terminal exactly when every child is', () => {
    fc.assert(
      fc.property(children, (list) => {
        const aggregate = aggregateStatus(list);
        const done = list.length > 0 && list.every(isTerminal);
        expect(aggregate !== 'queued' && aggregate !== 'running').toBe(done);
      }),
    );
  });

  it('does not depend on the order of the children', () => {
    fc.assert(
      fc.property(children, fc.nat(), (list, seed) => {
        const rotated = list.map((_, i) => list[(i + seed) % list.length] as CommandStatus);
        expect(aggregateStatus(rotated)).toBe(aggregateStatus(list));
        expect(aggregateStatus([...list].reverse())).toBe(aggregateStatus(list));
      }),
    );
  });

  it('takes the common status when every child ended the same way', () => {
    fc.assert(
      fc.property(terminal, fc.integer({ min: 1, max: 20 }), (s, n) => {
        expect(aggregateStatus(Array.from({ length: n }, () => s))).toBe(s);
      }),
    );
  });

  it('is partially_failed exactly when all ended, some succeeded and some did not', () => {
    fc.assert(
      fc.property(fc.array(terminal, { minLength: 1, maxLength: 20 }), (list) => {
        const some = list.includes('succeeded');
        const all = list.every((s) => s === 'succeeded');
        expect(aggregateStatus(list) === 'partially_failed').toBe(some && !all);
        if (!some && new Set(list).size > 1) expect(aggregateStatus(list)).toBe('failed');
      }),
    );
  });

  it('is queued until some child gets past scheduling, then running', () => {
    expect(aggregateStatus([])).toBe('queued');
    expect(aggregateStatus(['queued', 'scheduled'])).toBe('queued');
    expect(aggregateStatus(['queued', 'dispatched'])).toBe('running');
    expect(aggregateStatus(['succeeded', 'queued'])).toBe('running');
    expect(aggregateStatus(['succeeded', 'cancel_requested'])).toBe('running');
  });
});
