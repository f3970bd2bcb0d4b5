// SeenCommands: de-duplication, expiry and bounds in memory; survival across restarts on disk.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/clock.js';
import { FileSeenCommands, MemorySeenCommands, SEEN_COMMANDS_FILE_NAME } from './seen-commands.js';

describe('MemorySeenCommands', () => {
  it('accepts an id once', async () => {
    const seen = new MemorySeenCommands();
    expect(await seen.remember('a', 0)).toBe(true);
    expect(await seen.remember('a', 0)).toBe(false);
    expect(await seen.remember('b', 0)).toBe(true);
  });

  it('forgets an id some time after its expiry, and after the max age', async () => {
    const clock = new FakeClock();
    const seen = new MemorySeenCommands({ clock, maxAgeMs: 3_600_000 });
    await seen.remember('expiring', clock.now() + 1_000);
    await seen.remember('forever', 0);
    clock.advance(1_000);
    expect(await seen.remember('expiring', clock.now())).toBe(false);
    clock.advance(60 * 60_000);
    expect(seen.size).toBe(2);
    clock.advance(1);
    expect(await seen.remember('expiring', 0)).toBe(true);
    expect(await seen.remember('forever', 0)).toBe(true);
  });

  it('keeps at most maxEntries, forgetting the oldest', async () => {
    const seen = new MemorySeenCommands({ maxEntries: 2 });
    for (const id of ['a', 'b', 'c']) await seen.remember(id, 0);
    expect(seen.size).toBe(2);
    expect(await seen.remember('c', 0)).toBe(false);
    expect(await seen.remember('a', 0)).toBe(true);
  });
});

describe('FileSeenCommands', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'corral-seen-')), 'state');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('still refuses a seen id after a restart (a new instance over the same directory)', async () => {
    const first = new FileSeenCommands(dir);
    expect(await first.remember('cmd-1', 0)).toBe(true);
    const second = new FileSeenCommands(dir);
    expect(await second.remember('cmd-1', 0)).toBe(false);
    expect(await second.remember('cmd-2', 0)).toBe(true);
    const third = new FileSeenCommands(dir);
    expect(await third.remember('cmd-2', 0)).toBe(false);
  });

  it('lets exactly one of two concurrent deliveries of an id through', async () => {
    const seen = new FileSeenCommands(dir);
    const results = await Promise.all([seen.remember('x', 0), seen.remember('x', 0), seen.remember('y', 0)]);
    expect(results).toEqual([true, false, true]);
    const stored = JSON.parse(await readFile(join(dir, SEEN_COMMANDS_FILE_NAME), 'utf8'));
    expect(stored.commands.map((c: { id: string }) => c.id).sort()).toEqual(['x', 'y']);
  });

  it('prunes expired ids when loading', async () => {
    const clock = new FakeClock();
    await new FileSeenCommands(dir, { clock }).remember('old', clock.now() + 1_000);
    clock.advance(24 * 3_600_000);
    expect(await new FileSeenCommands(dir, { clock }).remember('old', 0)).toBe(true);
  });

  it('starts empty over a damaged file and rewrites it', async () => {
    await new FileSeenCommands(dir).remember('a', 0);
    await writeFile(join(dir, SEEN_COMMANDS_FILE_NAME), '{broken');
    const seen = new FileSeenCommands(dir);
    expect(await seen.remember('b', 0)).toBe(true);
    expect(await new FileSeenCommands(dir).remember('b', 0)).toBe(false);
  });
});
