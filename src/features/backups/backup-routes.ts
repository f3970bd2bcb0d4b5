// Admin API routes for configuration backups (/api/v1/backups) and full state
// export and import (/api/v1/state). Viewers read backups (list, get,
// download, diff); operators create them; admins restore them (dry runs too:
// everyone else has the diff) and export and import state — an export is the
// whole fleet's setup in one file. Uploads of backups and state documents may
// be up to 64 MiB; authentication runs before the body is read, so only an
// admin can send one.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idempotencyHeaders, sendIdempotent } from '../../transports/http/idempotent-create.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import { scopeKeySchema } from './backup-document.js';
import {
  backupDiffJson,
  backupDiffJsonSchema,
  backupJson,
  backupJsonSchema,
  backupSummaryJson,
  backupSummaryJsonSchema,
  importResultJson,
  importResultJsonSchema,
  restorePlanJson,
  restorePlanJsonSchema,
  sealedDocumentJsonSchema,
} from './backup-json.js';
import { restoreBodySchema, restoreUploadSchema } from './backup-restore.js';
import { createBackupSchema, MAX_BACKUP_BYTES } from './backup-service.js';
import { exportQuerySchema, MAX_STATE_BYTES } from './state-transfer.js';

const TAGS = ['backups'];

const listQuery = z.strictObject({
  scope: scopeKeySchema.optional().describe('Only backups of this scope: fleet, group:<id> or agent:<id>'),
  ...pageQueryShape,
});

const attachment = (file: string) => `attachment; filename="${file}"`;

export async function backupRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const backups = deps.services.backups;
  addRoute(app, {
    method: 'POST',
    url: '/backups',
    role: Role.Operator,
    summary: 'Back up the configuration of the fleet, a group or an agent',
    description:
      "A named, checksummed snapshot of the configuration layers in the scope (fleet: every layer; group: the group's and its members'; agent: its own) with the revisions they came from, and the policy assignments in the scope with each policy's name and version.",
    tags: TAGS,
    headers: idempotencyHeaders,
    body: createBackupSchema,
    responses: { 201: { description: 'Created', schema: backupSummaryJsonSchema } },
    problems: [404, 412, 422],
    handler: ({ body, context, request, reply }) =>
      sendIdempotent(
        { store: deps.idempotency, route: 'POST /backups', context, request, reply },
        async () => {
          const record = await backups.create(context, body);
          return { status: 201, body: backupSummaryJson(record) };
        },
      ),
  });
  addRoute(app, {
    method: 'GET',
    url: '/backups',
    role: Role.Viewer,
    summary: 'List backups',
    description: 'Newest first.',
    tags: TAGS,
    query: listQuery,
    responses: { 200: { description: 'A page of backups', schema: pageOf(backupSummaryJsonSchema) } },
    handler: async ({ query }) => {
      const filter = { ...(query.scope === undefined ? {} : { scope: query.scope }) };
      const page = await backups.list(filter, pageRequest(query, filter));
      return pageResponse(page, filter, backupSummaryJson);
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/backups/:id',
    role: Role.Viewer,
    summary: 'Get a backup',
    description:
      'What it holds, without the layer documents (download it for those). 412 when it fails verification.',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The backup', schema: backupJsonSchema } },
    problems: [404, 412],
    handler: async ({ params }) => {
      const { record, document } = await backups.get(params.id);
      return backupJson(record, document);
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/backups/:id/download',
    role: Role.Viewer,
    summary: 'Download a backup document',
    description:
      'The corral.backup document exactly as stored, as an attachment; POST it to /backups/restore to restore it.',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The backup document', schema: sealedDocumentJsonSchema } },
    problems: [404],
    handler: async ({ params, reply }) => {
      const record = await backups.getRecord(params.id);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', attachment(`corral-backup-${record.id}.json`))
        .send(record.document);
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/backups/:id/diff',
    role: Role.Viewer,
    summary: 'Compare a backup with now',
    description:
      'Per layer, the field-level changes from the backup to now; policy assignments added and removed since; policies whose version moved; what the backup names that is gone.',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The differences', schema: backupDiffJsonSchema } },
    problems: [404, 412],
    handler: async ({ params }) => {
      const { document, comparison } = await backups.diff(params.id);
      return backupDiffJson(document, comparison);
    },
  });
  addRoute(app, {
    method: 'POST',
    url: '/backups/:id/restore',
    role: Role.Admin,
    summary: 'Restore a backup',
    description:
      'dryRun: true returns what would change and changes nothing. Otherwise every layer that differs is written as a new revision (audited, evented, pushed to agents) and the assignments in scope are brought back to the backup. Refused with 412, nothing changed, when the backup fails verification or names a group, agent or policy that is gone (unless skipMissing).',
    tags: TAGS,
    params: idParams,
    body: restoreBodySchema,
    responses: { 200: { description: 'The plan, or what was restored', schema: restorePlanJsonSchema } },
    problems: [404, 412],
    handler: async ({ params, body, context }) =>
      restorePlanJson(await backups.restore(context, params.id, body)),
  });
  addRoute(app, {
    method: 'POST',
    url: '/backups/restore',
    role: Role.Admin,
    summary: 'Restore an uploaded backup document',
    description: `As POST /backups/{id}/restore, for a downloaded document sent back (as JSON, or its text) in \`document\`; refused naming the field when its checksum, format, version or schema does not match. Bodies up to ${MAX_BACKUP_BYTES / 1024 / 1024} MiB.`,
    tags: TAGS,
    body: restoreUploadSchema,
    bodyLimit: MAX_BACKUP_BYTES + 1024 * 1024,
    responses: { 200: { description: 'The plan, or what was restored', schema: restorePlanJsonSchema } },
    problems: [412],
    handler: async ({ body, context }) => restorePlanJson(await backups.restoreUpload(context, body)),
  });
  stateRoutes(app, deps);
}

function stateRoutes(app: FastifyInstance, deps: RouteDependencies): void {
  const state = deps.services.stateTransfer;
  addRoute(app, {
    method: 'GET',
    url: '/state/export',
    role: Role.Admin,
    summary: 'Export the whole configuration state',
    description:
      'A checksummed corral.state document for disaster recovery: groups with their members, policies with every version, assignments, configuration layers (their current revisions; every revision with history=true) and registered command types, with their ids. Agents are not in it: they enroll again. Audited.',
    tags: TAGS,
    query: exportQuerySchema,
    responses: { 200: { description: 'The state document', schema: sealedDocumentJsonSchema } },
    handler: async ({ query, context, reply }) => {
      const document = await state.export(context, { history: query.history });
      return reply
        .header('content-disposition', attachment(`corral-state-${document.id}.json`))
        .header('cache-control', 'no-store')
        .send(document);
    },
  });
  addRoute(app, {
    method: 'POST',
    url: '/state/import',
    role: Role.Admin,
    summary: 'Import a state export into an empty instance',
    description: `The body is a corral.state document (up to ${MAX_STATE_BYTES / 1024 / 1024} MiB). Refused with 400 naming the field when its checksum, format, version or schema does not match, and with 412 unless this instance holds no groups, policies, layers or command types; either way nothing is changed. Everything is written in one transaction with the ids it had.`,
    tags: TAGS,
    body: sealedDocumentJsonSchema,
    bodyLimit: MAX_STATE_BYTES,
    responses: { 200: { description: 'Imported', schema: importResultJsonSchema } },
    problems: [412],
    handler: async ({ body, context }) => importResultJson(await state.import(context, body)),
  });
}
