// Agent registration and lifecycle: enroll and re-enroll, read, list, update
// metadata, unregister (decommission), fleet statistics.
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import {
  alreadyExists,
  invalidArgument,
  notFound,
  permissionDenied,
  preconditionFailed,
  unauthenticated,
} from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import { hashToken, hasTokenShape, issueToken, sameHash, TokenKind } from '../../shared/secret-tokens.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import { Connectivity } from '../health/health-model.js';
import {
  agentFactsSchema,
  agentIdSchema,
  agentMetadataPatchSchema,
  normaliseFacts,
  validate,
  type Agent,
  type AgentFacts,
} from './agent.js';
import type { AgentConnections } from './agent-connections.js';
import type { AgentFilter, AgentPageRequest, FleetCounts } from './agent-store.js';
import type { AgentSession } from '../sessions/session.js';

export interface EnrollInput {
  readonly enrollmentSecret: string;
  /** Empty: the server assigns an id. */
  readonly agentId: string;
  readonly facts: AgentFacts;
  /** Set when a known agent re-enrolls. */
  readonly credential: string;
  /** Empty, or the nonce that makes this enrollment safe to retry (ENROLLMENT_NONCE). */
  readonly enrollmentNonce?: string;
}

/** 22-128 base64url characters: at least 128 random bits. */
const ENROLLMENT_NONCE = /^[A-Za-z0-9_-]{22,128}$/;
/** How long after enrolling an agent that has never connected may ask again for its answer. */
export const ENROLLMENT_RETRY_WINDOW_MS = 10 * 60_000;

export interface EnrollResult {
  readonly agentId: string;
  /** Only on first enrollment (or reinstatement of a decommissioned id). */
  readonly credential: string | undefined;
  readonly reEnrolled: boolean;
}

export interface FleetStatistics extends FleetCounts {
  readonly connected: number;
}

/** Follows one agent change for another feature: `written` in the change's transaction, `committed` after it. */
export interface AgentChangeWatch {
  written(): Promise<void>;
  committed(): void;
}

/** Hooks other features attach to agent lifecycle changes. */
export interface AgentLifecycleHooks {
  onUnregistered(agentId: string, endedSessions: readonly AgentSession[]): Promise<void>;
  /**
   * Called in the transaction of every change that can move an agent in or out
   * of label-selected sets (groups) — enrollment, re-enrollment, a label edit,
   * unregistration — before the write; the watch it returns records what moved.
   */
  watchChange?(
    stores: Stores,
    change: {
      readonly agentId: string;
      readonly actor: string;
      readonly reason: string;
      /** The agent did not exist before: it was in no group, and there is nothing to read. */
      readonly isNew?: boolean;
    },
  ): Promise<AgentChangeWatch>;
  /**
   * Called in the enrollment transaction of a new (or reinstated) agent whose
   * enrollment secret names a group, once the agent is stored; it must not
   * throw for a group the agent cannot join (the enrollment goes ahead).
   */
  joinGroup?(
    stores: Stores,
    join: { readonly agentId: string; readonly groupId: string; readonly actor: string },
  ): Promise<void>;
}

const NO_WATCH: AgentChangeWatch = { written: async () => undefined, committed: () => undefined };

export class AgentService {
  constructor(
    private readonly db: Database,
    private readonly enrollment: EnrollmentService,
    private readonly auditor: Auditor,
    private readonly events: EventFactory,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    private readonly connections: () => AgentConnections,
    private readonly hooks: AgentLifecycleHooks,
  ) {}

  async enroll(input: EnrollInput): Promise<EnrollResult> {
    const facts = normaliseFacts(validate(agentFactsSchema, input.facts, 'facts'));
    const agentId =
      input.agentId === ''
        ? this.ids.next().toLowerCase()
        : validate(agentIdSchema, input.agentId, 'facts.agentId');
    const nonce = input.enrollmentNonce ?? '';
    if (nonce !== '' && !ENROLLMENT_NONCE.test(nonce))
      throw invalidArgument('invalid input', [
        { field: 'enrollmentNonce', description: 'must be 22-128 base64url characters' },
      ]);
    const nonceHash = nonce === '' ? null : hashToken(nonce);
    const now = this.clock.now();
    let watch = NO_WATCH;
    const result = await this.db.transaction(async (stores): Promise<EnrollResult> => {
      const existing = await stores.agents.get(agentId);
      const actor = `agent:${agentId}`;
      if (existing && input.credential === '' && nonceHash !== null) {
        const retried = await this.retriedEnrollment(
          stores,
          existing,
          input.enrollmentSecret,
          nonceHash,
          now,
        );
        if (retried) return retried;
      }
      const { secret, spend } = await this.enrollment.admit(stores, input.enrollmentSecret);
      if (existing && existing.status !== Connectivity.Decommissioned) {
        if (input.credential === '')
          throw alreadyExists(
            `agent ${JSON.stringify(agentId)} is already enrolled; re-enrolling needs its credential`,
          );
        const stored = await stores.agents.getCredentialHash(agentId);
        if (
          !hasTokenShape(TokenKind.AgentCredential, input.credential) ||
          !stored ||
          !sameHash(stored, hashToken(input.credential))
        ) {
          throw permissionDenied(`the credential does not belong to agent ${JSON.stringify(agentId)}`);
        }
        watch = await this.watch(stores, agentId, actor, 're_enrolled');
        await stores.agents.updateFacts(agentId, facts, now);
        await stores.events.append([
          this.events.make(EventType.AgentUpdated, { kind: 'agent', id: agentId }, actor, {
            reason: 're_enrolled',
            facts,
          }),
        ]);
        await watch.written();
        await spend();
        return { agentId, credential: undefined, reEnrolled: true };
      }
      const credential = issueToken(TokenKind.AgentCredential);
      const record = {
        ...facts,
        id: agentId,
        credentialHash: credential.hash,
        enrollmentNonceHash: nonceHash,
        enrolledAt: now,
        enrollmentSecretId: secret.id,
      };
      watch = await this.watch(stores, agentId, actor, 'enrolled', existing === undefined);
      if (existing) await stores.agents.reinstate(record);
      else await stores.agents.insert(record);
      await stores.events.append([
        this.events.make(EventType.AgentRegistered, { kind: 'agent', id: agentId }, actor, {
          facts,
          enrollmentSecretId: secret.id,
          reinstated: existing !== undefined,
        }),
      ]);
      // The group the secret names; a re-enrollment (above) keeps memberships as an operator left them.
      if (secret.groupId !== null)
        await this.hooks.joinGroup?.(stores, { agentId, groupId: secret.groupId, actor });
      await watch.written();
      await spend();
      return { agentId, credential: credential.value, reEnrolled: false };
    });
    watch.committed();
    return result;
  }

  /**
   * The same enrollment asked for again because its answer was lost (a client
   * deadline passed while the server committed): same agent, same secret, same
   * nonce, and the agent has not connected since. The answer is a new
   * credential (the first one was never seen, and is replaced); anything else
   * is not a retry (undefined) and goes the usual way.
   */
  private async retriedEnrollment(
    stores: Stores,
    existing: Agent,
    presentedSecret: string,
    nonceHash: string,
    now: number,
  ): Promise<EnrollResult | undefined> {
    if (
      existing.status === Connectivity.Decommissioned ||
      existing.lastSeenAt !== null ||
      now - existing.enrolledAt > ENROLLMENT_RETRY_WINDOW_MS
    )
      return undefined;
    const stored = await stores.agents.getEnrollmentNonceHash(existing.id);
    if (!stored || !sameHash(stored, nonceHash)) return undefined;
    if (!(await this.enrollment.recognise(stores, presentedSecret, existing.enrollmentSecretId)))
      return undefined;
    const credential = issueToken(TokenKind.AgentCredential);
    if (!(await stores.agents.replaceCredential(existing.id, credential.hash, now))) return undefined;
    await stores.events.append([
      this.events.make(EventType.AgentUpdated, { kind: 'agent', id: existing.id }, `agent:${existing.id}`, {
        reason: 'enrollment_retried',
      }),
    ]);
    return { agentId: existing.id, credential: credential.value, reEnrolled: false };
  }

  /** Checks an agent credential; used by Authenticate. */
  async verifyCredential(agentId: string, credential: string): Promise<Agent> {
    // Built only when refusing: an Error captures a stack, too costly for every call.
    const refused = () => unauthenticated('agent id or credential is not valid');
    if (!hasTokenShape(TokenKind.AgentCredential, credential) || !agentIdSchema.safeParse(agentId).success)
      throw refused();
    const [agent, stored] = await Promise.all([
      this.db.agents.get(agentId),
      this.db.agents.getCredentialHash(agentId),
    ]);
    if (
      !agent ||
      !stored ||
      agent.status === Connectivity.Decommissioned ||
      !sameHash(stored, hashToken(credential))
    )
      throw refused();
    return agent;
  }

  async get(id: string): Promise<Agent> {
    const agent = await this.db.agents.get(id);
    if (!agent) throw notFound('agent', id);
    return agent;
  }

  list(filter: AgentFilter, page: AgentPageRequest) {
    return this.db.agents.list(filter, page);
  }

  async updateMetadata(
    context: RequestContext,
    id: string,
    patch: unknown,
    expectedRevision?: number,
  ): Promise<Agent> {
    const fields = typeof patch === 'object' && patch !== null ? Object.keys(patch) : [];
    let watch = NO_WATCH;
    const agent = await this.auditor.run(
      context,
      { action: 'agent.update', targetKind: 'agent', targetId: id, details: { fields } },
      async (stores) => {
        const changes = validate(agentMetadataPatchSchema, patch);
        const current = await stores.agents.get(id);
        if (!current || current.status === Connectivity.Decommissioned) throw notFound('agent', id);
        if (changes.labels !== undefined)
          watch = await this.watch(stores, id, context.principal.actor, 'labels_changed');
        const updated = await stores.agents.updateMetadata(id, changes, this.clock.now(), expectedRevision);
        if (!updated)
          throw preconditionFailed(
            `agent ${JSON.stringify(id)} changed since revision ${expectedRevision}; fetch it again`,
          );
        await stores.events.append([
          this.events.make(EventType.AgentUpdated, { kind: 'agent', id }, context.principal.actor, {
            reason: 'metadata',
            changes,
          }),
        ]);
        await watch.written();
        return updated;
      },
    );
    watch.committed();
    return agent;
  }

  async unregister(context: RequestContext, id: string): Promise<void> {
    let watch = NO_WATCH;
    const endedSessions = await this.auditor.run(
      context,
      { action: 'agent.unregister', targetKind: 'agent', targetId: id },
      async (stores) => {
        const now = this.clock.now();
        watch = await this.watch(stores, id, context.principal.actor, 'unregistered');
        if (!(await stores.agents.decommission(id, now))) throw notFound('agent', id);
        const sessions = await stores.sessions.deleteForAgent(id);
        await stores.events.append([
          this.events.make(EventType.AgentUnregistered, { kind: 'agent', id }, context.principal.actor, {
            sessionsEnded: sessions.length,
          }),
        ]);
        await watch.written();
        return sessions;
      },
    );
    watch.committed();
    await this.hooks.onUnregistered(id, endedSessions);
    this.connections().disconnect(id, 'unregistered');
  }

  private watch(
    stores: Stores,
    agentId: string,
    actor: string,
    reason: string,
    isNew = false,
  ): Promise<AgentChangeWatch> {
    return this.hooks.watchChange?.(stores, { agentId, actor, reason, isNew }) ?? Promise.resolve(NO_WATCH);
  }

  async statistics(): Promise<FleetStatistics> {
    return { ...(await this.db.agents.counts()), connected: this.connections().connectedCount() };
  }
}
