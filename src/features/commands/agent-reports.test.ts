import { describe, expect, it } from 'vitest';
import { reportWrites, type AgentReport } from './agent-reports.js';
import type { CommandStatus } from './command-state.js';

const at = 1_000;
const report = (
  commandId: string,
  phase?: AgentReport['phase'],
  extra: Partial<AgentReport> = {},
): AgentReport => ({
  agentId: 'a1',
  commandId,
  ...(phase === undefined ? {} : { phase }),
  ...extra,
});

describe('reportWrites', () => {
  it('turns a receipt, a start and a result for one command into writes that follow each other', () => {
    const { transitions, progress } = reportWrites(
      [report('c1'), report('c1', 'running'), report('c1', 'succeeded', { result: { ok: 1 } })],
      () => 'dispatched',
      at,
    );
    expect(transitions).toEqual([
      { id: 'c1', at, agentId: 'a1', to: 'acknowledged' },
      { id: 'c1', at, agentId: 'a1', to: 'running', via: ['acknowledged'] },
      { id: 'c1', at, agentId: 'a1', to: 'succeeded', via: ['acknowledged', 'running'], result: { ok: 1 } },
    ]);
    expect(progress).toEqual([]);
  });

  it('skips receipts for commands known to be past dispatched, and turns progress of running ones into progress writes', () => {
    const known: Record<string, CommandStatus> = { r: 'running', x: 'cancel_requested', a: 'acknowledged' };
    const { transitions, progress } = reportWrites(
      [
        report('r'),
        report('r', 'running', { progress: { percent: 40, message: 'half' } }),
        report('x', 'running', { progress: { percent: 10, message: '' } }),
        report('a', 'running'),
      ],
      (r) => known[r.commandId],
      at,
    );
    expect(transitions).toEqual([{ id: 'a', at, agentId: 'a1', to: 'running', via: ['acknowledged'] }]);
    expect(progress).toEqual([
      { id: 'r', progress: { percent: 40, message: 'half' } },
      { id: 'x', progress: { percent: 10, message: '' } },
    ]);
  });

  it('reports failures, rejections and confirmed cancels, with an error when the agent gave none', () => {
    const { transitions } = reportWrites(
      [
        report('f', 'failed', { error: { code: 'disk', message: 'full' } }),
        report('j', 'rejected'),
        report('c', 'cancelled'),
      ],
      () => undefined,
      at,
    );
    expect(transitions).toEqual([
      {
        id: 'f',
        at,
        agentId: 'a1',
        to: 'failed',
        via: ['acknowledged', 'running'],
        error: { code: 'disk', message: 'full' },
      },
      {
        id: 'j',
        at,
        agentId: 'a1',
        to: 'failed',
        via: ['acknowledged', 'running'],
        error: { code: 'rejected', message: 'rejected' },
        detail: 'rejected by the agent',
      },
      { id: 'c', at, agentId: 'a1', to: 'cancelled', detail: 'confirmed by the agent' },
    ]);
  });
});
