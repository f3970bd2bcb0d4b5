// Idempotency-Key for creating POSTs: the first response to (principal, route,
// key) is kept in memory for 24 hours and replayed for a retry with the same
// body; the same key with another body is refused with 422. Failures are not
// kept, so a failed request can be retried under its key.
//
// The kept response is the whole response, so for enrollment secrets and API
// keys a replay returns the SAME secret as the first response (it never creates
// a second one). That secret therefore stays in this process's memory for up
// to 24 hours. The map is per process and bounded (oldest dropped first).
import { contentHash } from '../../shared/canonical-json.js';
import type { Clock } from '../../shared/clock.js';
import { invalidArgument } from '../../shared/errors.js';
import { HttpProblem } from './problem.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export interface KeptResponse {
  readonly status: number;
  readonly body: unknown;
}

interface Entry {
  readonly fingerprint: string;
  readonly expiresAt: number;
  readonly response: Promise<KeptResponse>;
}

export interface IdempotencySettings {
  readonly ttlMs: number;
  readonly maxEntries: number;
}

export const DEFAULT_IDEMPOTENCY_SETTINGS: IdempotencySettings = {
  ttlMs: 24 * 3_600_000,
  maxEntries: 10_000,
};

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: IdempotencySettings = DEFAULT_IDEMPOTENCY_SETTINGS,
  ) {}

  /**
   * Runs `create` once per key: without a key it just runs; with one it replays
   * the kept response (`replayed: true`) or refuses a different body.
   */
  async run(
    scope: { principal: string; route: string; key: string | undefined; body: unknown },
    create: () => Promise<KeptResponse>,
  ): Promise<KeptResponse & { replayed: boolean }> {
    if (scope.key === undefined) return { ...(await create()), replayed: false };
    if (!KEY_SHAPE.test(scope.key)) {
      throw invalidArgument('invalid Idempotency-Key', [
        { field: 'Idempotency-Key', description: 'must be 1-255 printable ASCII characters' },
      ]);
    }
    const now = this.clock.now();
    const id = `${scope.principal}\n${scope.route}\n${scope.key}`;
    const fingerprint = contentHash(scope.body);
    const kept = this.entries.get(id);
    if (kept && kept.expiresAt > now) {
      if (kept.fingerprint !== fingerprint) {
        throw new HttpProblem(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used with a different request body; use a new key',
        );
      }
      return { ...(await kept.response), replayed: true };
    }
    const response = create();
    this.remember(id, { fingerprint, expiresAt: now + this.settings.ttlMs, response });
    try {
      return { ...(await response), replayed: false };
    } catch (error) {
      this.entries.delete(id);
      throw error;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries are in insertion order, so expired and surplus ones are all at the front. */
  private remember(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    const now = this.clock.now();
    for (const [oldestId, oldest] of this.entries) {
      if (this.entries.size <= this.settings.maxEntries && oldest.expiresAt > now) break;
      this.entries.delete(oldestId);
    }
  }
}
