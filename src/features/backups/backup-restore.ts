// RestoreAgentConfiguration: brings a scope back to a backup (stored, or an
// uploaded backup document). The backup is verified and compared with today
// before anything is written; a dry run stops there and returns the plan.
// Applying writes every layer that differs as a NEW revision through the
// configuration service (audited, versioned, evented and pushed to agents like
// any edit, each guarded by the revision the plan read), then assigns and
// unassigns policies through the policy service, then records one
// backup_restored event. Each of those writes is its own transaction: a
// restore interrupted half-way (a concurrent edit: 412) leaves the steps done
// so far, and running it again finishes it, since only differences are
// written. Anything the backup names that no longer exists refuses the whole
// restore with nothing changed, unless skipMissing asks to restore the rest.
import { z } from 'zod';
import { ErrorCode, invalidArgument, isCorralError } from '../../shared/errors.js';
import { validate } from '../agents/agent.js';
import type { AuditedAction, Auditor, RequestContext } from '../audit/audited.js';
import type { ConfigurationService } from '../configuration/configuration-service.js';
import type { EventFactory } from '../events/event-factory.js';
import { EventType } from '../events/event.js';
import type { PolicyService } from '../policies/policy-service.js';
import { openBackupDocument, parseScopeKey, type BackupDocument } from './backup-document.js';
import type { BackupService } from './backup-service.js';
import {
  assignmentBodies,
  countsOf,
  groupByPolicy,
  planOf,
  refuseMissing,
  type PlannedLayer,
  type Prepared,
  type RestorePlan,
} from './restore-plan.js';

export type { PlannedLayer, RestorePlan } from './restore-plan.js';

const optionsShape = {
  dryRun: z.boolean().default(false).describe('Only show what would change; change nothing'),
  skipMissing: z
    .boolean()
    .default(false)
    .describe('Restore what still exists and report the rest, instead of refusing the whole restore'),
};
export const restoreBodySchema = z.strictObject(optionsShape);
export const restoreUploadSchema = z.strictObject({
  document: z.unknown().describe('A downloaded backup document, as JSON or as its text'),
  ...optionsShape,
});

export interface BackupRestoreDependencies {
  readonly backups: BackupService;
  readonly configuration: Pick<ConfigurationService, 'updateLayer'>;
  readonly policies: Pick<PolicyService, 'assign' | 'unassign'>;
  readonly auditor: Auditor;
  readonly events: EventFactory;
}

export class BackupRestore {
  constructor(private readonly deps: BackupRestoreDependencies) {}

  /** Restores a stored backup (body: { dryRun?, skipMissing? }). */
  async restoreStored(context: RequestContext, id: string, body: unknown): Promise<RestorePlan> {
    const what = { action: 'backup.restore', targetKind: 'backup', targetId: id };
    const prepared = await this.refusedIsAudited(context, what, async () => ({
      options: validate(restoreBodySchema, body ?? {}),
      document: (await this.deps.backups.get(id)).document,
      uploaded: false,
    }));
    return this.restore(context, prepared);
  }

  /** Restores an uploaded backup document (body: { document, dryRun?, skipMissing? }). */
  async restoreUpload(context: RequestContext, body: unknown): Promise<RestorePlan> {
    const what = { action: 'backup.restore', targetKind: 'backup', targetId: null };
    const prepared = await this.refusedIsAudited(context, what, async () => {
      const request = validate(restoreUploadSchema, body);
      if (request.document === undefined)
        throw invalidArgument('invalid input', [{ field: 'document', description: 'is required' }]);
      const { document: _document, ...options } = request;
      return { options, document: openBackupDocument(request.document, 'document'), uploaded: true };
    });
    return this.restore(context, prepared);
  }

  private async restore(context: RequestContext, prepared: Prepared): Promise<RestorePlan> {
    const { document, options, uploaded } = prepared;
    const what: AuditedAction = {
      action: 'backup.restore',
      targetKind: 'backup',
      targetId: document.id,
      details: { scope: document.scope, dryRun: options.dryRun, uploaded },
    };
    const comparison = await this.refusedIsAudited(context, what, async () => {
      const found = await this.deps.backups.compare(document);
      if (found.missing.length > 0 && !options.skipMissing) throw refuseMissing(found.missing);
      return found;
    });
    const plan = planOf(prepared, comparison);
    if (options.dryRun) return this.deps.auditor.run(context, what, async () => plan, countsOf);
    const applied = await this.apply(context, what, document, plan);
    return this.deps.auditor.run(
      context,
      what,
      async (stores) => {
        await stores.events.append([
          this.deps.events.make(
            EventType.BackupRestored,
            { kind: 'backup', id: document.id },
            context.principal.actor,
            {
              name: document.name,
              scope: document.scope,
              uploaded,
              ...countsOf(applied).details,
              skipped: applied.skipped.map((m) => `${m.kind}:${m.id}`),
            },
          ),
        ]);
        return applied;
      },
      countsOf,
    );
  }

  private async apply(
    context: RequestContext,
    what: AuditedAction,
    backup: BackupDocument,
    plan: RestorePlan,
  ): Promise<RestorePlan> {
    const reason = `restored from backup ${JSON.stringify(backup.name)} (${backup.id})`;
    const document = new Map(backup.content.layers.map((l) => [l.scope, l.document]));
    const layers: PlannedLayer[] = [];
    try {
      for (const layer of plan.layers) {
        const scope = parseScopeKey(layer.scope) ?? { kind: 'fleet' };
        const written = await this.deps.configuration.updateLayer(
          context,
          scope,
          { document: document.get(layer.scope) ?? {}, reason },
          layer.fromRevision,
        );
        layers.push({ ...layer, revision: written.revision });
      }
      for (const [policyId, targets] of groupByPolicy(plan.assign))
        for (const body of assignmentBodies(targets))
          await this.deps.policies.assign(context, policyId, body);
      for (const a of plan.unassign) {
        try {
          await this.deps.policies.unassign(context, a.policyId, { kind: a.targetKind, id: a.targetId });
        } catch (error) {
          // Already gone is what the restore wanted.
          if (!isCorralError(error) || error.code !== ErrorCode.NotFound) throw error;
        }
      }
    } catch (error) {
      const details = { ...what.details, layersRestored: layers.length, interrupted: true };
      await this.deps.auditor.refused(
        context,
        { ...what, details },
        isCorralError(error) ? error.code : 'internal',
      );
      throw error;
    }
    return { ...plan, layers };
  }

  /** Work before the audited transaction; a refusal there is audited the same way. */
  private async refusedIsAudited<T>(context: RequestContext, what: AuditedAction, work: () => Promise<T>) {
    try {
      return await work();
    } catch (error) {
      await this.deps.auditor.refused(context, what, isCorralError(error) ? error.code : 'internal');
      throw error;
    }
  }
}
