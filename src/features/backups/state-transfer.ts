// Full state export and import, for disaster recovery (ADR 0013). Export reads
// the whole setup in one transaction (a consistent snapshot) and returns it as
// a checksummed `corral.state` document. Import verifies a document (format,
// version, checksum, schema, references) before touching anything, then, in
// ONE transaction, refuses unless the instance holds no groups, policies,
// layers or command types, and writes everything with the ids, versions and
// revision numbers it had, so scopes and assignments point where they did.
// Writes go through the stores directly (the features' services would assign
// new ids and refuse agents that have not enrolled yet). Agents are not in
// the document: agent layers and assignments wait for their agent's id to
// enroll, and an agent named only by a static group is recorded as a
// decommissioned placeholder (id only), the state in which an agent's group
// rows are kept until it enrolls again (ADR 0010). Both are audited.
import { z } from 'zod';
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { preconditionFailed } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import type { EventFactory } from '../events/event-factory.js';
import { EventType } from '../events/event.js';
import type { StaticMember } from './backup-store.js';
import { checksumOf } from './sealed-document.js';
import { openStateDocument, STATE_FORMAT, STATE_VERSION, type StateDocument } from './state-document.js';
import { fromStateContent, toStateContent, type StateRows } from './state-mapping.js';

/** The largest state document POST /state/import accepts (the route's body limit). */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

export const exportQuerySchema = z.strictObject({
  history: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true')
    .describe("Every configuration revision, not only each layer's current one"),
});

export interface StateCountsJson {
  readonly groups: number;
  readonly staticMembers: number;
  readonly policies: number;
  readonly policyVersions: number;
  readonly assignments: number;
  readonly layers: number;
  readonly revisions: number;
  readonly commandTypes: number;
}

export interface ImportResult {
  /** The id of the export that was imported. */
  readonly exportId: string;
  readonly checksum: string;
  readonly imported: StateCountsJson;
  /** Agents named by static groups that this instance had never seen, recorded as decommissioned. */
  readonly placeholderAgents: readonly string[];
}

export interface StateTransferDependencies {
  readonly db: Database;
  readonly auditor: Auditor;
  readonly events: EventFactory;
  readonly ids: IdSource;
  readonly clock: Clock;
  readonly corralVersion: string;
  /** After an import commits: reload what services keep in memory, push desired state to agents. */
  readonly afterImport: () => Promise<void>;
}

export class StateTransferService {
  constructor(private readonly deps: StateTransferDependencies) {}

  export(context: RequestContext, options: { readonly history: boolean }): Promise<StateDocument> {
    const { auditor, clock, ids, corralVersion } = this.deps;
    return auditor.run(
      context,
      { action: 'state.export', targetKind: 'state', targetId: null, details: { history: options.history } },
      async (stores) => {
        const content = toStateContent(await readRows(stores, options.history));
        return {
          format: STATE_FORMAT,
          version: STATE_VERSION,
          id: ids.next(),
          exportedAt: new Date(clock.now()).toISOString(),
          exportedBy: context.principal.actor,
          corralVersion,
          checksum: checksumOf(content),
          content,
        } satisfies StateDocument;
      },
      (document) => ({ targetId: document.id, details: { ...countsOf(fromStateContent(document.content)) } }),
    );
  }

  async import(context: RequestContext, body: unknown): Promise<ImportResult> {
    const { auditor, clock, events } = this.deps;
    // Verified before the transaction (a large document takes a while), refused inside it so it is audited.
    let verified: StateDocument | Error;
    try {
      verified = openStateDocument(body);
    } catch (error) {
      verified = error as Error;
    }
    const result = await auditor.run(
      context,
      { action: 'state.import', targetKind: 'state', targetId: null },
      async (stores): Promise<ImportResult> => {
        if (verified instanceof Error) throw verified;
        await refuseUnlessEmpty(stores);
        const rows = fromStateContent(verified.content);
        const now = clock.now();
        const placeholderAgents = await addPlaceholders(stores, rows.members, now);
        await writeRows(stores, rows);
        const imported = countsOf(rows);
        await stores.events.append([
          events.make(EventType.StateImported, { kind: 'backup', id: verified.id }, context.principal.actor, {
            checksum: verified.checksum,
            exportedAt: verified.exportedAt,
            corralVersion: verified.corralVersion,
            ...imported,
            placeholderAgents: placeholderAgents.length,
          }),
        ]);
        return { exportId: verified.id, checksum: verified.checksum, imported, placeholderAgents };
      },
      (done) => ({ targetId: done.exportId, details: { ...done.imported } }),
    );
    await this.deps.afterImport();
    return result;
  }
}

async function readRows(stores: Stores, history: boolean): Promise<StateRows> {
  // One after the other: inside a transaction the stores share one connection.
  return {
    history,
    groups: await stores.backups.allGroups(),
    members: await stores.backups.allStaticMembers(),
    policies: await stores.backups.allPolicies(),
    assignments: await stores.backups.allAssignments(),
    layers: await stores.backups.allLayers(),
    revisions: await stores.backups.layerRevisions(history),
    commandTypes: await stores.commandTypes.list(),
  };
}

async function refuseUnlessEmpty(stores: Stores): Promise<void> {
  const counts = await stores.backups.stateCounts();
  const held = Object.entries(counts).filter(([, n]) => n > 0);
  if (held.length > 0)
    throw preconditionFailed(
      `this instance is not empty (it holds ${held.map(([what, n]) => `${n} ${what}`).join(', ')}); a state export is imported only into an instance with no groups, policies, configuration layers or command types, and nothing was changed`,
    );
}

/** Member agents this store has never seen become decommissioned placeholders (the group rows need them). */
async function addPlaceholders(
  stores: Stores,
  members: readonly StaticMember[],
  at: number,
): Promise<string[]> {
  const ids = [...new Set(members.map((m) => m.agentId))];
  const known = await stores.groups.agentStatuses(ids);
  const unknown = ids.filter((id) => !known.has(id)).sort();
  for (const id of unknown) {
    await stores.agents.insert({
      id,
      name: id,
      hostname: '',
      ipAddress: '',
      version: '',
      type: '',
      platform: '',
      capabilities: [],
      labels: {},
      credentialHash: '',
      enrolledAt: at,
      enrollmentSecretId: null,
    });
    await stores.agents.decommission(id, at);
  }
  return unknown;
}

async function writeRows(stores: Stores, rows: StateRows): Promise<void> {
  for (const group of rows.groups) await stores.groups.insert(group);
  // addMembers stamps one time and author per call: call it once per distinct (group, time, author).
  const batches = new Map<string, StaticMember[]>();
  for (const m of rows.members) {
    const key = JSON.stringify([m.groupId, m.addedAt, m.addedBy]);
    const batch = batches.get(key);
    if (batch) batch.push(m);
    else batches.set(key, [m]);
  }
  for (const batch of batches.values()) {
    const [first] = batch as [StaticMember];
    await stores.groups.addMembers(
      first.groupId,
      batch.map((m) => m.agentId),
      first.addedAt,
      first.addedBy,
    );
  }
  await stores.backups.insertPolicies(rows.policies);
  if (rows.assignments.length > 0) await stores.policies.assign(rows.assignments);
  await stores.backups.insertConfiguration(rows.layers, rows.revisions);
  for (const type of rows.commandTypes) await stores.commandTypes.insert(type);
}

function countsOf(rows: StateRows): StateCountsJson {
  return {
    groups: rows.groups.length,
    staticMembers: rows.members.length,
    policies: rows.policies.length,
    policyVersions: rows.policies.reduce((n, p) => n + p.versions.length, 0),
    assignments: rows.assignments.length,
    layers: rows.layers.length,
    revisions: rows.revisions.length,
    commandTypes: rows.commandTypes.length,
  };
}
