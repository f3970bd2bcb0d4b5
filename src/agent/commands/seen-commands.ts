// The command ids an agent has already accepted, so that a command delivered
// again (after a reconnect, with a higher attempt) never runs twice. The
// protocol asks agents to remember ids at least until the command's
// expires_at_ms; entries are kept until then (plus a margin for clock skew),
// and never longer than maxAgeMs, and the oldest go first beyond maxEntries,
// so the set stays bounded. The file store keeps `seen-commands.json` in the
// agent's state directory, written atomically before the command may start.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';

export interface SeenCommands {
  /**
   * Records a command id; resolves false when it was seen before. Resolves
   * only once the id is durable, so a command may start after it.
   */
  remember(commandId: string, expiresAtMs: number): Promise<boolean>;
}

export interface SeenCommandsOptions {
  readonly clock?: Clock;
  /** Longest an id is kept, whatever its expiry (default 7 days). */
  readonly maxAgeMs?: number;
  /** Most ids kept; the oldest are forgotten first (default 10,000). */
  readonly maxEntries?: number;
}

export const SEEN_COMMANDS_FILE_NAME = 'seen-commands.json';
export const DEFAULT_SEEN_MAX_AGE_MS = 7 * 24 * 3_600_000;
export const DEFAULT_SEEN_MAX_ENTRIES = 10_000;
/** Kept past expires_at_ms, in case the server's clock runs ahead of ours. */
const EXPIRY_MARGIN_MS = 10 * 60_000;

interface Entry {
  readonly seenAtMs: number;
  readonly keepUntilMs: number;
}

/** The bounded id set both stores share. */
class SeenSet {
  readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;

  constructor(options: SeenCommandsOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_SEEN_MAX_AGE_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_SEEN_MAX_ENTRIES;
  }

  /** False when already present (and still kept). */
  add(commandId: string, expiresAtMs: number): boolean {
    const now = this.clock.now();
    this.prune(now);
    if (this.entries.has(commandId)) return false;
    const byAge = now + this.maxAgeMs;
    const keepUntilMs = expiresAtMs > 0 ? Math.min(expiresAtMs + EXPIRY_MARGIN_MS, byAge) : byAge;
    this.entries.set(commandId, { seenAtMs: now, keepUntilMs });
    // Maps iterate in insertion order: the first entries are the oldest.
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(id);
    }
    return true;
  }

  restore(commandId: string, entry: Entry): void {
    this.entries.set(commandId, entry);
  }

  prune(now = this.clock.now()): void {
    for (const [id, entry] of this.entries) {
      if (entry.keepUntilMs < now) this.entries.delete(id);
    }
  }
}

/** In memory only: the simulator's agents, and tests. */
export class MemorySeenCommands implements SeenCommands {
  private readonly set: SeenSet;

  constructor(options: SeenCommandsOptions = {}) {
    this.set = new SeenSet(options);
  }

  async remember(commandId: string, expiresAtMs: number): Promise<boolean> {
    return this.set.add(commandId, expiresAtMs);
  }

  get size(): number {
    return this.set.entries.size;
  }
}

const FORMAT_VERSION = 1;
const fileSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  commands: z.array(
    z.object({ id: z.string().min(1).max(256), seenAtMs: z.number(), keepUntilMs: z.number() }),
  ),
});

/** `seen-commands.json` in the agent's (private) state directory. */
export class FileSeenCommands implements SeenCommands {
  readonly path: string;
  private readonly set: SeenSet;
  private loaded: Promise<void> | undefined;
  /** The write that will include the latest changes, not yet started. */
  private pending: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly stateDir: string,
    options: SeenCommandsOptions = {},
  ) {
    this.path = join(stateDir, SEEN_COMMANDS_FILE_NAME);
    this.set = new SeenSet(options);
  }

  async remember(commandId: string, expiresAtMs: number): Promise<boolean> {
    await (this.loaded ??= this.load());
    // Check and insert without awaiting in between: two deliveries in one batch cannot both pass.
    if (!this.set.add(commandId, expiresAtMs)) return false;
    await this.persist();
    return true;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new CorralError(ErrorCode.Internal, `cannot read ${this.path}`, { cause: error });
    }
    let parsed;
    try {
      parsed = fileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    // A damaged file is not worth stopping the agent for: the server also guards
    // against re-running, and the file is rewritten at the next command.
    if (!parsed?.success) return;
    for (const { id, seenAtMs, keepUntilMs } of parsed.data.commands) {
      this.set.restore(id, { seenAtMs, keepUntilMs });
    }
    this.set.prune();
  }

  /** Coalesces writes: one in flight, at most one queued behind it covering every change so far. */
  private persist(): Promise<void> {
    this.pending ??= this.writing.then(
      () => this.write(),
      () => this.write(),
    );
    return this.pending;
  }

  private async write(): Promise<void> {
    this.pending = undefined;
    const commands = [...this.set.entries].map(([id, entry]) => ({ id, ...entry }));
    const content = `${JSON.stringify({ version: FORMAT_VERSION, commands })}\n`;
    const run = this.writeFile(content);
    this.writing = run;
    await run;
  }

  private async writeFile(content: string): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw new CorralError(ErrorCode.Internal, `cannot write ${this.path}`, { cause: error });
    }
  }
}
