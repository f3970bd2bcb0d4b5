// Runs an admin mutation in one transaction together with its audit entry;
// when the mutation fails, the failure is audited on its own and rethrown.
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { isCorralError } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import type { Principal } from '../api-keys/api-key.js';
import type { AuditEntry } from './audit-entry.js';

/** Who asks, and the request it came with; passed to every mutating service call. */
export interface RequestContext {
  readonly principal: Principal;
  readonly requestId: string | null;
}

export interface AuditedAction {
  readonly action: string;
  readonly targetKind: string;
  readonly targetId: string | null;
  /** Non-secret facts worth keeping with the entry. */
  readonly details?: Record<string, unknown>;
}

export class Auditor {
  constructor(
    private readonly db: Database,
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  async run<T>(
    context: RequestContext,
    what: AuditedAction,
    work: (stores: Stores) => Promise<T>,
    /** Extra details known only once the work is done (e.g. a created id). */
    detailsOf?: (result: T) => { targetId?: string; details?: Record<string, unknown> },
  ): Promise<T> {
    try {
      return await this.db.transaction(async (stores) => {
        const result = await work(stores);
        const extra = detailsOf?.(result) ?? {};
        await stores.audit.append(
          this.entry(
            context,
            {
              ...what,
              targetId: extra.targetId ?? what.targetId,
              details: { ...what.details, ...extra.details },
            },
            'success',
            null,
          ),
        );
        return result;
      });
    } catch (error) {
      await this.db.audit.append(
        this.entry(context, what, 'failure', isCorralError(error) ? error.code : 'internal'),
      );
      throw error;
    }
  }

  /** Records a mutation refused before it reached its service (e.g. the caller's role is too low). */
  async refused(context: RequestContext, what: AuditedAction, errorCode: string): Promise<void> {
    await this.db.audit.append(this.entry(context, what, 'failure', errorCode));
  }

  private entry(
    context: RequestContext,
    what: AuditedAction,
    outcome: AuditEntry['outcome'],
    errorCode: string | null,
  ): AuditEntry {
    return {
      id: this.ids.next(),
      at: this.clock.now(),
      actor: context.principal.actor,
      actorName: context.principal.name,
      action: what.action,
      targetKind: what.targetKind,
      targetId: what.targetId,
      outcome,
      errorCode,
      requestId: context.requestId,
      details: what.details ?? {},
    };
  }
}
