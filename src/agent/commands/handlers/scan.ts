// `scan`: a realistic stand-in for a scan, with the parameters the server's
// command type defines (paths, scope quick|full|memory, durationSeconds,
// intensity). For durationSeconds it works in 100 ms slices: hashes buffers for
// a share of each slice set by the intensity (CPU) and reads the next file
// under the scanned roots (I/O: `paths`, else the working directory for a
// quick scan, `/` for a full one, nothing for memory; bounded in files and
// bytes, symbolic links not followed), then rests for the rest of the slice. Progress is the share of the duration gone; cancel and deadline
// (through the signal) stop it within one slice. The simulator uses `light`
// work: same pacing and progress, no CPU or I/O, so thousands can run at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, open, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sleep } from '../../sleep.js';
import type { CommandContext, CommandHandler } from '../command-types.js';
import { defineHandler } from '../command-types.js';

export interface ScanHandlerOptions {
  /** `real` (default) does CPU and file work; `light` only paces and reports. */
  readonly work?: 'real' | 'light';
}

const params = z.object({
  paths: z.array(z.string().min(1).max(4_096)).min(1).max(100).optional(),
  scope: z.enum(['quick', 'full', 'memory']).optional(),
  durationSeconds: z.number().min(0).max(3_600).default(10),
  intensity: z.enum(['low', 'medium', 'high']).default('medium'),
});
type ScanParams = z.output<typeof params>;

const CPU_SHARE = { low: 0.1, medium: 0.25, high: 0.6 } as const;
const MAX_BYTES_PER_FILE = 1024 * 1024;

/** Where a scan reads files, and how many at most. */
function roots(p: ScanParams): { roots: string[]; maxFiles: number } {
  if (p.paths) return { roots: p.paths, maxFiles: 1_000 };
  if (p.scope === 'memory') return { roots: [], maxFiles: 0 };
  return p.scope === 'full' ? { roots: ['/'], maxFiles: 5_000 } : { roots: [process.cwd()], maxFiles: 500 };
}

const SLICE_MS = 100;
const MAX_ENTRIES_PER_DIRECTORY = 10_000;
const BLOCK = randomBytes(64 * 1024);

export function scanHandler(options: ScanHandlerOptions = {}): CommandHandler {
  const light = options.work === 'light';
  return defineHandler({ type: 'scan', params, run: (p, context) => scan(p, context, light) });
}

async function scan(p: ScanParams, context: CommandContext, light: boolean) {
  const { clock, signal } = context;
  const durationMs = p.durationSeconds * 1_000;
  const startedAt = clock.now();
  const digest = createHash('sha256');
  const where = roots(p);
  const files = !light && where.roots.length > 0 ? walkAll(where.roots, where.maxFiles) : undefined;
  const totals = { filesScanned: 0, bytesRead: 0, unreadable: 0, blocksHashed: 0 };
  let filesLeft = files !== undefined;
  for (;;) {
    signal.throwIfAborted();
    const sliceStart = performance.now();
    if (!light) {
      const budget = SLICE_MS * CPU_SHARE[p.intensity];
      do {
        digest.update(BLOCK);
        totals.blocksHashed += 1;
      } while (performance.now() - sliceStart < budget);
      if (files && filesLeft) {
        const next = await files.next();
        if (next.done) filesLeft = false;
        else await readInto(next.value, MAX_BYTES_PER_FILE, digest, totals);
      }
    }
    const elapsed = clock.now() - startedAt;
    if (elapsed >= durationMs) break;
    context.progress(Math.floor((elapsed / durationMs) * 100), `scanned ${totals.filesScanned} files`);
    await sleep(Math.max(1, SLICE_MS - (performance.now() - sliceStart)), signal);
  }
  signal.throwIfAborted();
  return {
    result: {
      ...totals,
      scope: p.scope ?? null,
      paths: where.roots,
      complete: !filesLeft,
      digest: digest.digest('hex'),
      durationMs: clock.now() - startedAt,
    },
    message: `scanned ${totals.filesScanned} files`,
  };
}

async function readInto(
  path: string,
  maxBytes: number,
  digest: ReturnType<typeof createHash>,
  totals: { filesScanned: number; bytesRead: number; unreadable: number },
): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.min(maxBytes, 256 * 1024));
      let read = 0;
      while (read < maxBytes) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, maxBytes - read), null);
        if (bytesRead === 0) break;
        digest.update(buffer.subarray(0, bytesRead));
        read += bytesRead;
      }
      totals.filesScanned += 1;
      totals.bytesRead += read;
    } finally {
      await handle.close();
    }
  } catch {
    totals.unreadable += 1;
  }
}

/** Regular files under each root in turn, at most maxFiles in all. */
async function* walkAll(rootList: readonly string[], maxFiles: number): AsyncGenerator<string> {
  let left = maxFiles;
  for (const root of rootList) {
    for await (const file of walk(root, left)) {
      yield file;
      left -= 1;
      if (left <= 0) return;
    }
  }
}

/** Regular files under root, depth first, at most maxFiles; links are not followed. */
async function* walk(root: string, maxFiles: number): AsyncGenerator<string> {
  let yielded = 0;
  const info = await lstat(root).catch(() => undefined);
  if (info?.isFile()) {
    yield root;
    return;
  }
  if (!info?.isDirectory()) return;
  const stack = [root];
  while (stack.length > 0 && yielded < maxFiles) {
    const dir = stack.pop() as string;
    let entries: Dirent[] = [];
    try {
      const handle = await opendir(dir);
      for await (const entry of handle) {
        entries.push(entry);
        // Bounds memory on huge directories; the scan is a sample, not an inventory.
        if (entries.length >= MAX_ENTRIES_PER_DIRECTORY) break;
      }
    } catch {
      entries = [];
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) {
        yield path;
        yielded += 1;
        if (yielded >= maxFiles) return;
      }
    }
  }
}
