// Configuration as operators change it: read and replace the layer of the
// fleet, a group or an agent (each change an immutable revision with author,
// reason and diff, guarded by If-Match on the revision), patch many agents'
// layers at once, read revision history and diffs, and read an agent's
// desired (effective), layered and applied configuration. Every change commits
// with its audit entry and config_updated events; `changed` then tells the
// distributor which agents to bring up to date.
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { invalidArgument, isCorralError, notFound, preconditionFailed } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import type { AuditedAction, Auditor, RequestContext } from '../audit/audited.js';
import type { EventFactory } from '../events/event-factory.js';
import { EventType } from '../events/event.js';
import { z } from 'zod';
import { agentIdSchema, labelsSchema, validate } from '../agents/agent.js';
import { enrolledAgentIds } from '../commands/command-targets.js';
import { MAX_TARGET_AGENTS, refuseUnsafeJson } from '../commands/command.js';
import { configurationLayerSchema, MAX_LAYER_BYTES, type ConfigurationLayer } from './agent-configuration.js';
import { scopeKey, type ConfigRevision, type ConfigScope, type StoredLayer } from './configuration-store.js';
import { Compliance, withCompliance, type DesiredState } from './desired-state.js';
import {
  effectiveConfigurations,
  type EffectiveConfiguration,
  type GroupLookup,
} from './effective-configurations.js';
import {
  addsMetadataKeys,
  agentsReached,
  checkEffective,
  checkMergedLayer,
  checkWithFleet,
} from './effective-limits.js';
import { diffDocuments, mergeLayers, type DocumentChange } from './layering.js';

/** Which agents' desired configuration may have changed. */
export type ConfigurationChange = { readonly all: true } | { readonly agentIds: readonly string[] };

export interface LayerView {
  readonly scope: ConfigScope;
  readonly document: ConfigurationLayer;
  /** 0 while the scope has no layer yet. */
  readonly revision: number;
  readonly revisionId: string | null;
  readonly updatedAt: number | null;
  readonly updatedBy: string | null;
}

export interface AgentConfigurationView {
  readonly agentId: string;
  readonly desired: EffectiveConfiguration;
  readonly layer: LayerView;
  /** What it was last sent and reported, with its compliance now; undefined before it was ever sent any. */
  readonly state: DesiredState | undefined;
  readonly upToDate: boolean;
}

export interface ComplianceSummary {
  readonly total: number;
  readonly byCompliance: Readonly<Record<string, number>>;
  readonly compliantPercent: number;
}

export interface BulkResult {
  readonly agentId: string;
  readonly revision: number;
  readonly revisionId: string;
}

const MAX_REASON = 512;

const bulkTargetSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('agents'),
      agentIds: z.array(agentIdSchema).min(1, 'at least one agent').max(MAX_TARGET_AGENTS),
    }),
    z.strictObject({ kind: z.literal('group'), groupId: z.string().min(1).max(128) }),
    z.strictObject({
      kind: z.literal('selector'),
      labels: labelsSchema.refine((l) => Object.keys(l).length > 0, 'at least one label'),
    }),
  ],
  { error: 'must have kind agents, group or selector' },
);
type BulkTarget = z.output<typeof bulkTargetSchema>;

/** A layer replacement: the document and the reason, each checked on its own (parseLayer, parseReason). */
const updateBodySchema = z.strictObject({ document: z.unknown(), reason: z.unknown().optional() });

export const bulkRequestSchema = z.strictObject({
  target: bulkTargetSchema,
  patch: z.unknown().describe('A configuration layer merged into each agent’s own layer'),
  reason: z.unknown().optional(),
});

export class ConfigurationService {
  constructor(
    private readonly db: Database,
    private readonly auditor: Auditor,
    private readonly events: EventFactory,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    private readonly groups: () => GroupLookup,
    private readonly changed: (change: ConfigurationChange) => void,
    /** CONFIG_DRIFT_GRACE, for assessing compliance when it is read. */
    private readonly graceMs: number,
  ) {}

  async getLayer(scope: ConfigScope): Promise<LayerView> {
    await this.checkAgentScope(this.db, scope);
    if (scope.kind === 'group') await this.requireGroup(scope.id);
    return view(scope, await this.db.configuration.getLayer(scope));
  }

  /**
   * Replaces a scope's layer; `body` is `{document, reason?}` and nothing else.
   * `ifMatch` (the revision read) refuses a lost update with 412.
   */
  async updateLayer(
    context: RequestContext,
    scope: ConfigScope,
    body: unknown,
    ifMatch: number | undefined,
  ): Promise<LayerView> {
    const what = {
      action: 'configuration.update',
      targetKind: scope.kind,
      targetId: scope.kind === 'fleet' ? null : scope.id,
    };
    if (scope.kind === 'group')
      await this.beforeTransaction(context, what, () => this.requireGroup(scope.id));
    const stored = await this.auditor.run(
      context,
      what,
      async (stores) => {
        const request = validate(updateBodySchema, body);
        const document = parseLayer(request.document);
        const reason = parseReason(request.reason);
        await this.checkAgentScope(stores, scope);
        const current = await stores.configuration.getLayer(scope);
        if (ifMatch !== undefined && ifMatch !== (current?.revision ?? 0))
          throw preconditionFailed(
            `the ${scope.kind} configuration changed since revision ${ifMatch} (now ${current?.revision ?? 0}); read it again`,
          );
        // Merged with the other layers, new metadata keys could exceed the cap (effective-limits.ts).
        if (addsMetadataKeys(current?.document, document)) {
          if (scope.kind === 'group') await checkWithFleet(stores, document);
          await checkEffective(stores, await agentsReached(stores, scope), [{ scope, document }], 'document');
        }
        const revision = this.revision(scope, current, document, context.principal.actor, reason);
        await this.store(stores, [revision]);
        return revision;
      },
      (revision) => ({ details: { revision: revision.revision, changes: revision.diff.length } }),
    );
    this.changed(scope.kind === 'agent' ? { agentIds: [scope.id] } : { all: true });
    // What this request wrote (re-reading could return a later writer's revision as this one's ETag).
    return view(scope, {
      scope,
      document: stored.document,
      revision: stored.revision,
      revisionId: stored.id,
      updatedAt: stored.createdAt,
      updatedBy: stored.author,
    });
  }

  /**
   * BulkUpdateAgentConfiguration: merges one validated patch into the layer of
   * every agent given (ids, a group or a label selector), atomically; one audit
   * entry, an event per agent.
   */
  async bulkUpdate(context: RequestContext, body: unknown): Promise<BulkResult[]> {
    const what = { action: 'configuration.bulk_update', targetKind: 'agent', targetId: null };
    const { request, members } = await this.beforeTransaction(context, what, async () => {
      const parsed = validate(bulkRequestSchema, body);
      const target = parsed.target;
      return {
        request: parsed,
        members: target.kind === 'group' ? await this.groupMembers(target.groupId) : undefined,
      };
    });
    let agentIds: readonly string[] = [];
    const results = await this.auditor.run(
      context,
      what,
      async (stores) => {
        const patch = parseLayer(request.patch, 'patch');
        const reason = parseReason(request.reason);
        agentIds = members ?? (await this.resolveTarget(stores, request.target));
        const enrolled = await stores.agents.enrolledAmong(agentIds);
        // Named by their index in the request (agentIds has duplicates removed).
        const named = request.target.kind === 'agents' ? request.target.agentIds : agentIds;
        const unknown = named.flatMap((id, i) =>
          enrolled.has(id)
            ? []
            : [{ field: `target.agentIds.${i}`, description: `no enrolled agent ${JSON.stringify(id)}` }],
        );
        if (unknown.length > 0) throw invalidArgument('unknown agents', unknown);
        if (agentIds.length === 0)
          throw invalidArgument('no agent to update', [
            { field: 'target', description: 'matches no enrolled agent' },
          ]);
        const scopes = agentIds.map((id): ConfigScope => ({ kind: 'agent', id }));
        const current = new Map(
          (await stores.configuration.layers(scopes)).map((l) => [scopeKey(l.scope), l]),
        );
        const revisions = agentIds.map((id) => {
          const scope: ConfigScope = { kind: 'agent', id };
          const layer = current.get(scopeKey(scope));
          const merged = mergeLayers(layer?.document ?? {}, patch);
          checkMergedLayer(merged, id);
          return this.revision(scope, layer, merged, context.principal.actor, reason);
        });
        if (addsMetadataKeys(undefined, patch))
          await checkEffective(
            stores,
            agentIds,
            revisions.map((r) => ({ scope: r.scope, document: r.document })),
            'patch',
          );
        await this.store(stores, revisions);
        return revisions.map((r): BulkResult => ({
          agentId: (r.scope as { id: string }).id,
          revision: r.revision,
          revisionId: r.id,
        }));
      },
      (done) => ({ details: { agents: done.length } }),
    );
    this.changed({ agentIds });
    return results;
  }

  /** Ids or a selector; a group's members are read before the transaction (groupMembers). */
  private async resolveTarget(stores: Stores, target: BulkTarget): Promise<string[]> {
    if (target.kind === 'agents') return [...new Set(target.agentIds)];
    if (target.kind === 'group') return [];
    const ids = await enrolledAgentIds(stores, { labels: target.labels }, MAX_TARGET_AGENTS);
    if (ids.length > MAX_TARGET_AGENTS)
      throw invalidArgument('selector matches too many agents', [
        { field: 'target.labels', description: `matches more than ${MAX_TARGET_AGENTS} agents` },
      ]);
    return ids;
  }

  revisions(scope: ConfigScope, page: { afterId?: string; limit: number }) {
    return this.db.configuration.revisions(scope, page);
  }

  async getRevision(id: string): Promise<ConfigRevision> {
    const revision = await this.db.configuration.getRevision(id);
    if (!revision) throw notFound('configuration revision', id);
    return revision;
  }

  /** The difference between the documents of two revisions (of any scopes). */
  async diff(fromId: string, toId: string): Promise<DocumentChange[]> {
    const [from, to] = await Promise.all([this.getRevision(fromId), this.getRevision(toId)]);
    return diffDocuments(from.document, to.document);
  }

  effective(agentIds: readonly string[]) {
    return effectiveConfigurations(this.db, this.groups(), agentIds);
  }

  /** GetAgentConfiguration: desired (effective, with its layers), the agent's own layer, what it applied. */
  async agentView(agentId: string): Promise<AgentConfigurationView> {
    const layer = await this.getLayer({ kind: 'agent', id: agentId });
    const [effective, states] = await Promise.all([
      this.effective([agentId]),
      this.db.configuration.desiredStates([agentId]),
    ]);
    const desired = effective.get(agentId) as EffectiveConfiguration;
    const state = states.get(agentId);
    const now = this.clock.now();
    return {
      agentId,
      desired,
      layer,
      state: state ? withCompliance(state, now, this.graceMs).state : undefined,
      // The agent was last sent something other than what it should run now: it gets it when it next connects.
      upToDate: state?.config.desiredHash === desired.hash,
    };
  }

  /** Compliance over a group's members. */
  async groupCompliance(groupId: string): Promise<ComplianceSummary> {
    if (!(await this.groups().exists(groupId))) throw notFound('group', groupId);
    return this.compliance(await this.groups().memberIds(groupId));
  }

  /** Agents by compliance over the fleet, or over `agentIds`; agents never sent anything count as unknown. */
  async compliance(agentIds?: readonly string[]): Promise<ComplianceSummary> {
    const counts = { ...(await this.db.configuration.complianceCounts(agentIds)) };
    const total = agentIds?.length ?? (await this.enrolledCount());
    const known = Object.values(counts).reduce((sum, n) => sum + n, 0);
    counts[Compliance.Unknown] = Math.max(0, total - known);
    return {
      total,
      byCompliance: counts,
      compliantPercent:
        total === 0 ? 100 : Math.round(((counts[Compliance.Compliant] ?? 0) / total) * 1000) / 10,
    };
  }

  /** FleetCounts.total already leaves decommissioned agents out. */
  private async enrolledCount(): Promise<number> {
    return (await this.db.agents.counts()).total;
  }

  private revision(
    scope: ConfigScope,
    current: StoredLayer | undefined,
    document: ConfigurationLayer,
    author: string,
    reason: string,
  ): ConfigRevision {
    return {
      id: this.ids.next(),
      scope,
      revision: (current?.revision ?? 0) + 1,
      document,
      diff: diffDocuments(current?.document ?? {}, document),
      author,
      reason,
      createdAt: this.clock.now(),
    };
  }

  private async store(stores: Stores, revisions: readonly ConfigRevision[]): Promise<void> {
    const { conflicts } = await stores.configuration.putLayers(revisions);
    if (conflicts.length > 0)
      throw preconditionFailed(
        `the configuration of ${scopeKey(conflicts[0] as ConfigScope)} changed meanwhile; try again`,
      );
    await stores.events.append(
      revisions.map((r) =>
        this.events.make(
          EventType.ConfigUpdated,
          { kind: 'configuration', id: scopeKey(r.scope) },
          r.author,
          { scope: r.scope, revision: r.revision, revisionId: r.id, reason: r.reason, diff: r.diff },
          r.createdAt,
        ),
      ),
    );
  }

  /**
   * Group lookups run outside the transaction: on SQLite's one connection a
   * read outside a transaction waits for it. A refusal here is audited as the
   * transaction's own failures are.
   */
  private async beforeTransaction<T>(
    context: RequestContext,
    what: AuditedAction,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await this.auditor.refused(context, what, isCorralError(error) ? error.code : 'internal');
      throw error;
    }
  }

  private async requireGroup(groupId: string): Promise<void> {
    if (!(await this.groups().exists(groupId))) throw notFound('group', groupId);
  }

  private async groupMembers(groupId: string): Promise<string[]> {
    await this.requireGroup(groupId);
    return this.groups().memberIds(groupId);
  }

  /** An agent scope must name an enrolled agent (a group scope is checked by requireGroup). */
  private async checkAgentScope(stores: Stores, scope: ConfigScope): Promise<void> {
    if (scope.kind === 'agent' && !(await stores.agents.enrolledAmong([scope.id])).has(scope.id))
      throw notFound('agent', scope.id);
  }
}

function view(scope: ConfigScope, layer: StoredLayer | undefined): LayerView {
  return {
    scope,
    document: layer?.document ?? {},
    revision: layer?.revision ?? 0,
    revisionId: layer?.revisionId ?? null,
    updatedAt: layer?.updatedAt ?? null,
    updatedBy: layer?.updatedBy ?? null,
  };
}

function parseLayer(value: unknown, field = 'document'): ConfigurationLayer {
  if (value === undefined) throw invalidArgument('invalid input', [{ field, description: 'is required' }]);
  refuseUnsafeJson(value, field);
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_LAYER_BYTES)
    throw invalidArgument('invalid input', [
      { field, description: `must be at most ${MAX_LAYER_BYTES} bytes of JSON` },
    ]);
  return validate(configurationLayerSchema, value, field);
}

function parseReason(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > MAX_REASON)
    throw invalidArgument('invalid input', [
      { field: 'reason', description: `must be text of at most ${MAX_REASON} characters` },
    ]);
  return value;
}
