// Configuration backups (ADR 0013): create a named, checksummed backup of the
// fleet, a group or an agent (one consistent read, stored with its
// backup_created event and audit entry in one transaction); list, read and
// download them; and diff one against the state of its scope now. Restores
// are in backup-restore.ts.
import { z } from 'zod';
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { CorralError, ErrorCode, isCorralError, notFound, preconditionFailed } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import { validate } from '../agents/agent.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import type { EventFactory } from '../events/event-factory.js';
import { EventType } from '../events/event.js';
import { captureScope } from './backup-capture.js';
import { compareWithNow, targetsNamed, type Comparison, type ExistingTargets } from './backup-comparison.js';
import {
  backupNameSchema,
  openBackupDocument,
  parseScopeKey,
  scopeKeySchema,
  sealBackup,
  type BackupDocument,
} from './backup-document.js';
import { BackupRestore, type BackupRestoreDependencies, type RestorePlan } from './backup-restore.js';
import type { BackupPage, BackupRecord } from './backup-store.js';

/** The largest backup kept: what POST /backups/restore accepts back as an upload. */
export const MAX_BACKUP_BYTES = 64 * 1024 * 1024;

export const createBackupSchema = z.strictObject({
  name: backupNameSchema,
  scope: scopeKeySchema.describe('fleet, group:<id> or agent:<id>'),
});

export interface BackupServiceDependencies {
  readonly db: Database;
  readonly auditor: Auditor;
  readonly events: EventFactory;
  readonly ids: IdSource;
  readonly clock: Clock;
  /** Restores write layers and assignments through these, as any operator's edit. */
  readonly configuration: BackupRestoreDependencies['configuration'];
  readonly policies: BackupRestoreDependencies['policies'];
}

export interface StoredBackup {
  readonly record: BackupRecord;
  readonly document: BackupDocument;
}

export class BackupService {
  private readonly restorer: BackupRestore;

  constructor(private readonly deps: BackupServiceDependencies) {
    this.restorer = new BackupRestore({ ...deps, backups: this });
  }

  /** RestoreAgentConfiguration from a stored backup (body: { dryRun?, skipMissing? }); backup-restore.ts. */
  restore(context: RequestContext, id: string, body: unknown): Promise<RestorePlan> {
    return this.restorer.restoreStored(context, id, body);
  }

  /** The same from an uploaded backup document (body: { document, dryRun?, skipMissing? }). */
  restoreUpload(context: RequestContext, body: unknown): Promise<RestorePlan> {
    return this.restorer.restoreUpload(context, body);
  }

  /** BackupAgentConfiguration (for an agent, a group or the fleet). */
  create(context: RequestContext, body: unknown): Promise<BackupRecord> {
    const { auditor, clock, ids, events } = this.deps;
    return auditor.run(
      context,
      { action: 'backup.create', targetKind: 'backup', targetId: null },
      async (stores) => {
        const request = validate(createBackupSchema, body);
        const scope = parseScopeKey(request.scope);
        if (scope?.kind === 'group' && !(await stores.groups.get(scope.id)))
          throw notFound('group', scope.id);
        if (scope?.kind === 'agent' && !(await stores.agents.enrolledAmong([scope.id])).has(scope.id))
          throw notFound('agent', scope.id);
        const content = await captureScope(stores, scope ?? { kind: 'fleet' });
        const now = clock.now();
        const actor = context.principal.actor;
        const document = sealBackup(
          { id: ids.next(), name: request.name, createdAt: now, createdBy: actor },
          content,
        );
        const text = JSON.stringify(document);
        const size = Buffer.byteLength(text, 'utf8');
        if (size > MAX_BACKUP_BYTES)
          throw preconditionFailed(
            `the backup would be ${size} bytes, more than the ${MAX_BACKUP_BYTES} a backup may hold; back up groups or agents separately`,
          );
        const record: BackupRecord = {
          id: document.id,
          name: document.name,
          scope: document.scope,
          createdAt: now,
          createdBy: actor,
          checksum: document.checksum,
          size,
          document: text,
        };
        await stores.backups.insert(record);
        await stores.events.append([
          events.make(EventType.BackupCreated, { kind: 'backup', id: record.id }, actor, {
            name: record.name,
            scope: record.scope,
            checksum: record.checksum,
            size,
            layers: content.layers.length,
            assignments: content.assignments.length,
          }),
        ]);
        return record;
      },
      (record) => ({ targetId: record.id, details: { name: record.name, scope: record.scope } }),
    );
  }

  list(filter: { readonly scope?: string }, page: { afterId?: string; limit: number }): Promise<BackupPage> {
    return this.deps.db.backups.list(filter, page);
  }

  async getRecord(id: string): Promise<BackupRecord> {
    const record = await this.deps.db.backups.get(id);
    if (!record) throw notFound('backup', id);
    return record;
  }

  /** A stored backup and its document, verified: a damaged one is refused with 412 saying why. */
  async get(id: string): Promise<StoredBackup> {
    const record = await this.getRecord(id);
    return { record, document: verifyStored(record) };
  }

  /** The difference between a backup and its scope now (layers field by field, assignments). */
  async diff(id: string): Promise<StoredBackup & { readonly comparison: Comparison }> {
    const stored = await this.get(id);
    return { ...stored, comparison: await this.compare(stored.document) };
  }

  /** A verified document compared with the state of its scope now. */
  async compare(document: BackupDocument): Promise<Comparison> {
    const { db } = this.deps;
    const backup = document.content;
    const scope = parseScopeKey(backup.scope) ?? { kind: 'fleet' };
    const now = await captureScope(db, scope, backup.members);
    return compareWithNow(backup, now, await this.existing(targetsNamed(backup, now)));
  }

  private async existing(named: ReturnType<typeof targetsNamed>): Promise<ExistingTargets> {
    const { db } = this.deps;
    const groups = new Set((await db.backups.allGroups()).map((g) => g.id));
    const agents = await db.agents.enrolledAmong(named.agents);
    const policies = await db.policies.getMany(named.policies);
    return {
      groups: new Set(named.groups.filter((id) => groups.has(id))),
      agents,
      policies: new Map(policies.map((p) => [p.id, { name: p.name, version: p.version }])),
    };
  }
}

/**
 * A stored backup's document, verified like an upload. A failure means the
 * stored row was changed or damaged: the request was fine, the backup is not
 * (412, with the same field-level reasons).
 */
export function verifyStored(record: BackupRecord): BackupDocument {
  try {
    const document = openBackupDocument(record.document);
    if (document.id !== record.id || document.checksum !== record.checksum)
      throw new CorralError(ErrorCode.InvalidArgument, 'its id or checksum differs from the stored record');
    return document;
  } catch (error) {
    if (!isCorralError(error)) throw error;
    throw new CorralError(
      ErrorCode.PreconditionFailed,
      `backup ${record.id} failed verification and cannot be used: ${error.message}`,
      { violations: error.violations },
    );
  }
}
