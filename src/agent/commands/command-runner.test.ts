// CommandRunner with the built-in handlers: each type, params validation,
// progress, cancel, deadline, concurrency, isolation and simulated failures.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CommandFinished, CommandRunnerOptions } from './command-runner.js';
import { CommandRunner } from './command-runner.js';
import type { CommandHooks, CommandUpdateRecord } from './command-types.js';
import { defineHandler } from './command-types.js';
import { command, until } from './command-test-helpers.js';
import { builtinHandlers } from './handlers/builtin-handlers.js';

interface Harness {
  runner: CommandRunner;
  updates: CommandUpdateRecord[];
  finished: CommandFinished[];
  hooks: CommandHooks;
  terminal(id?: string): CommandUpdateRecord | undefined;
}

let runners: CommandRunner[] = [];
afterEach(() => {
  for (const runner of runners) runner.close();
  runners = [];
});

function harness(overrides: Partial<CommandRunnerOptions> = {}): Harness {
  const updates: CommandUpdateRecord[] = [];
  const finished: CommandFinished[] = [];
  const hooks: CommandHooks = { reconnect: vi.fn(), exit: vi.fn() };
  const runner = new CommandRunner({
    handlers: builtinHandlers(),
    onUpdate: (update) => updates.push(update),
    onFinished: (f) => finished.push(f),
    onFollowUp: (followUp) => followUp(hooks),
    ...overrides,
  });
  runners.push(runner);
  return {
    runner,
    updates,
    finished,
    hooks,
    terminal: (id = 'cmd-1') =>
      updates.find((u) => u.commandId === id && u.phase !== 'COMMAND_PHASE_RUNNING'),
  };
}

async function outcome(h: Harness, id = 'cmd-1'): Promise<CommandUpdateRecord> {
  await until(() => expect(h.terminal(id)).toBeDefined());
  return h.terminal(id) as CommandUpdateRecord;
}

describe('CommandRunner', () => {
  it('answers ping with RUNNING then SUCCEEDED and a result', async () => {
    const h = harness();
    h.runner.submit(command());
    const done = await outcome(h);
    expect(h.updates.map((u) => u.phase)).toEqual(['COMMAND_PHASE_RUNNING', 'COMMAND_PHASE_SUCCEEDED']);
    expect(done).toMatchObject({ progressPercent: 100, error: '' });
    expect(JSON.parse(done.resultJson)).toMatchObject({ pong: true });
    expect(h.finished).toEqual([
      expect.objectContaining({ commandId: 'cmd-1', type: 'ping', phase: 'COMMAND_PHASE_SUCCEEDED' }),
    ]);
  });

  it('reports host facts for status', async () => {
    const h = harness();
    h.runner.submit(command({ type: 'status' }));
    const result = JSON.parse((await outcome(h)).resultJson);
    expect(result).toMatchObject({
      hostname: expect.any(String),
      platform: expect.stringContaining('/'),
      agentVersion: expect.any(String),
      memory: { totalBytes: expect.any(Number), freeBytes: expect.any(Number) },
    });
    expect(result.load).toHaveLength(3);
  });

  it.each([
    ['config_reload', { revision: 'r7' }, { configRevision: 'r7', reloaded: true }],
    ['policy_sync', {}, { policyRevision: 'current', synced: true }],
  ])('succeeds %s with a small result', async (type, params, result) => {
    const h = harness();
    h.runner.submit(command({ type, paramsJson: JSON.stringify(params) }));
    expect(JSON.parse((await outcome(h)).resultJson)).toEqual(result);
  });

  it.each([
    ['update', { version: '1.2.3', delaySeconds: 5 }, 5_000],
    ['restart', {}, 0],
  ])('%s succeeds, then asks to reconnect after the delay', async (type, params, delayMs) => {
    const h = harness();
    h.runner.submit(command({ type, paramsJson: JSON.stringify(params) }));
    expect((await outcome(h)).phase).toBe('COMMAND_PHASE_SUCCEEDED');
    expect(h.hooks.reconnect).toHaveBeenCalledWith(delayMs, `${type} command`);
  });

  it('shutdown succeeds, then asks the agent to exit', async () => {
    const h = harness();
    h.runner.submit(command({ type: 'shutdown', paramsJson: '{"reason":"maintenance"}' }));
    expect((await outcome(h)).phase).toBe('COMMAND_PHASE_SUCCEEDED');
    expect(h.hooks.exit).toHaveBeenCalledWith('shutdown command: maintenance');
  });

  it('after isolate, rejects everything but emergency commands', async () => {
    const h = harness();
    h.runner.submit(command({ commandId: 'iso', type: 'isolate' }));
    expect((await outcome(h, 'iso')).phase).toBe('COMMAND_PHASE_SUCCEEDED');
    expect(h.runner.isolated).toBe('isolate command');
    h.runner.submit(command({ commandId: 'normal' }));
    h.runner.submit(command({ commandId: 'urgent', priority: 'emergency' }));
    expect(await outcome(h, 'normal')).toMatchObject({
      phase: 'COMMAND_PHASE_REJECTED',
      error: expect.stringMatching(/isolated.*only emergency/),
    });
    expect((await outcome(h, 'urgent')).phase).toBe('COMMAND_PHASE_SUCCEEDED');
  });

  it.each([
    ['restart', '{"delaySeconds":-1}', /invalid params: delaySeconds:/],
    ['scan', '{"durationSeconds":"long"}', /invalid params: durationSeconds:/],
    ['ping', '{not json', /params_json is not valid JSON/],
    ['ping', '[1]', /params_json must be a JSON object/],
    ['nuke', '', /unknown command type "nuke"/],
    ['custom:rotate-keys', '', /no handler for custom command type "custom:rotate-keys"/],
  ])('rejects %s with params %s, saying why', (type, paramsJson, error) => {
    const h = harness();
    h.runner.submit(command({ type, paramsJson }));
    expect(h.updates).toEqual([
      expect.objectContaining({ phase: 'COMMAND_PHASE_REJECTED', error: expect.stringMatching(error) }),
    ]);
    expect(h.finished[0]).toMatchObject({ type, phase: 'COMMAND_PHASE_REJECTED' });
  });

  it('rejects a command that expired while queued', () => {
    const h = harness();
    h.runner.submit(command({ expiresAtMs: Date.now() - 1 }));
    expect(h.updates).toEqual([
      expect.objectContaining({ phase: 'COMMAND_PHASE_REJECTED', error: 'expired before it could start' }),
    ]);
  });

  it('scans files under the given paths, reporting rising progress, and returns totals', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-scan-'));
    try {
      await writeFile(join(dir, 'a.bin'), Buffer.alloc(2_000, 1));
      await writeFile(join(dir, 'b.bin'), Buffer.alloc(3_000, 2));
      const h = harness();
      h.runner.submit(
        command({
          type: 'scan',
          paramsJson: JSON.stringify({ durationSeconds: 0.6, paths: [dir], intensity: 'low' }),
        }),
      );
      const done = await outcome(h);
      expect(done.phase).toBe('COMMAND_PHASE_SUCCEEDED');
      expect(JSON.parse(done.resultJson)).toMatchObject({
        filesScanned: 2,
        bytesRead: 5_000,
        unreadable: 0,
        complete: true,
        paths: [dir],
      });
      const progress = h.updates.filter((u) => u.phase === 'COMMAND_PHASE_RUNNING');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      const percents = progress.map((u) => u.progressPercent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      // Throttled: each report is at least 10 points past the previous one (or a second later).
      expect(new Set(percents).size).toBe(percents.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cancels a running scan promptly with CANCELLED', async () => {
    const h = harness();
    h.runner.submit(command({ type: 'scan', paramsJson: '{"durationSeconds":60}' }));
    await until(() => expect(h.updates.length).toBeGreaterThanOrEqual(1));
    h.runner.cancel('cmd-1', 'operator changed their mind');
    expect(await outcome(h)).toMatchObject({
      phase: 'COMMAND_PHASE_CANCELLED',
      message: 'operator changed their mind',
    });
    expect(h.runner.activeCount).toBe(0);
  });

  it('fails a command still running at its deadline with "deadline exceeded"', async () => {
    const h = harness();
    h.runner.submit(
      command({ type: 'scan', paramsJson: '{"durationSeconds":60}', deadlineMs: Date.now() + 100 }),
    );
    expect(await outcome(h)).toMatchObject({ phase: 'COMMAND_PHASE_FAILED', error: 'deadline exceeded' });
  });

  it('runs at most maxConcurrent at once, emergency first from the queue', async () => {
    const releases: (() => void)[] = [];
    const slow = defineHandler({
      type: 'slow',
      params: z.object({}),
      run: () => new Promise((resolve) => releases.push(() => resolve({}))),
    });
    const h = harness({ handlers: [slow], maxConcurrent: 2 });
    for (const [id, priority] of [
      ['a', 'normal'],
      ['b', 'normal'],
      ['c', 'low'],
      ['d', 'emergency'],
    ] as const) {
      h.runner.submit(command({ commandId: id, type: 'slow', priority }));
    }
    const started = (): string[] =>
      h.updates.filter((u) => u.phase === 'COMMAND_PHASE_RUNNING').map((u) => u.commandId);
    expect(started()).toEqual(['a', 'b']);
    releases[0]?.();
    await until(() => expect(started()).toEqual(['a', 'b', 'd']));
    releases[1]?.();
    await until(() => expect(started()).toEqual(['a', 'b', 'd', 'c']));
  });

  it('cancels a queued command without starting it', () => {
    const never = defineHandler({ type: 'never', params: z.object({}), run: () => new Promise(() => {}) });
    const h = harness({ handlers: [never], maxConcurrent: 1 });
    h.runner.submit(command({ commandId: 'a', type: 'never' }));
    h.runner.submit(command({ commandId: 'b', type: 'never' }));
    h.runner.cancel('b', '');
    expect(h.updates.filter((u) => u.commandId === 'b')).toEqual([
      expect.objectContaining({ phase: 'COMMAND_PHASE_CANCELLED', message: 'cancelled' }),
    ]);
  });

  it('turns a handler error into FAILED', async () => {
    const broken = defineHandler({
      type: 'broken',
      params: z.object({}),
      run: async () => {
        throw new Error('disk on fire');
      },
    });
    const h = harness({ handlers: [broken] });
    h.runner.submit(command({ type: 'broken' }));
    expect(await outcome(h)).toMatchObject({ phase: 'COMMAND_PHASE_FAILED', error: 'disk on fire' });
  });

  it('fails commands at the simulated fail rate, without running them', async () => {
    const h = harness({ failureModes: { failRate: 0.5 }, random: () => 0.2 });
    h.runner.submit(command({ type: 'shutdown' }));
    expect(await outcome(h)).toMatchObject({
      phase: 'COMMAND_PHASE_FAILED',
      error: expect.stringMatching(/simulated failure/),
    });
    expect(h.hooks.exit).not.toHaveBeenCalled();
  });

  it('waits the added latency before reporting, and can be cancelled meanwhile', async () => {
    const h = harness({ failureModes: { addedLatencyMs: 60_000 } });
    h.runner.submit(command());
    await until(() => expect(h.updates).toHaveLength(1));
    expect(h.terminal()).toBeUndefined();
    h.runner.cancel('cmd-1', 'too slow');
    expect((await outcome(h)).phase).toBe('COMMAND_PHASE_CANCELLED');
  });

  it('drops everything without updates on close', async () => {
    const h = harness();
    h.runner.submit(command({ type: 'scan', paramsJson: '{"durationSeconds":60}' }));
    h.runner.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.updates.map((u) => u.phase)).toEqual(['COMMAND_PHASE_RUNNING']);
    h.runner.submit(command({ commandId: 'late' }));
    expect(h.updates).toHaveLength(1);
  });
});
