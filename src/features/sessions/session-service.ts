// Agent sessions: credential → short-lived bearer token; refresh, terminate,
// validate on every agent call (through the cache), sweep the expired.
import type { Cache } from '../../infra/cache/cache.js';
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { notFound, unauthenticated } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import { hashToken, hasTokenShape, issueToken, TokenKind } from '../../shared/secret-tokens.js';
import type { AgentService } from '../agents/agent-service.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { AgentSession } from './session.js';

export interface IssuedSession {
  readonly session: AgentSession;
  readonly token: string;
}

export interface SessionSettings {
  readonly ttlMs: number;
}

const cacheKey = (tokenHash: string) => `session:${tokenHash}`;

export class SessionService {
  constructor(
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly agents: AgentService,
    private readonly auditor: Auditor,
    private readonly events: EventFactory,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
  ) {}

  async authenticate(agentId: string, credential: string, peer: string): Promise<IssuedSession> {
    await this.agents.verifyCredential(agentId, credential);
    const issued = this.issue(agentId, peer);
    await this.db.transaction(async (stores) => {
      await stores.sessions.insert(issued.session);
      await stores.events.append([
        this.sessionEvent(EventType.SessionStarted, issued.session, { expiresAt: issued.session.expiresAt }),
      ]);
    });
    await this.remember(issued.session);
    return issued;
  }

  /** The live session a bearer token stands for; UNAUTHENTICATED otherwise. */
  async validate(token: string): Promise<AgentSession> {
    // Built only when refusing: an Error captures a stack, too costly for every call.
    const refused = () => unauthenticated('session token is missing, unknown or expired; authenticate again');
    if (!hasTokenShape(TokenKind.Session, token)) throw refused();
    const hash = hashToken(token);
    const session =
      (await this.cache.get<AgentSession>(cacheKey(hash))) ?? (await this.db.sessions.findByTokenHash(hash));
    if (!session || session.expiresAt <= this.clock.now()) throw refused();
    return session;
  }

  async refresh(token: string): Promise<IssuedSession> {
    const current = await this.validate(token);
    const next = this.issue(current.agentId, current.peer);
    const replaced = await this.db.transaction((stores) => stores.sessions.replace(current.id, next.session));
    await this.cache.delete(cacheKey(current.tokenHash));
    if (!replaced) throw unauthenticated('session was terminated; authenticate again');
    await this.remember(next.session);
    return next;
  }

  async terminate(token: string, reason: string): Promise<void> {
    const session = await this.validate(token);
    await this.end(session, `agent:${session.agentId}`, reason);
  }

  /** An operator ends a session. */
  async terminateById(context: RequestContext, id: string): Promise<void> {
    await this.auditor.run(
      context,
      { action: 'session.terminate', targetKind: 'session', targetId: id },
      async (stores) => {
        const session = await stores.sessions.get(id);
        if (!session || !(await stores.sessions.delete(id))) throw notFound('session', id);
        await stores.events.append([
          this.sessionEvent(
            EventType.SessionEnded,
            session,
            { reason: 'terminated_by_operator' },
            context.principal.actor,
          ),
        ]);
        await this.cache.delete(cacheKey(session.tokenHash));
      },
    );
  }

  /** Drops cached sessions of an agent whose sessions were deleted (unregister). */
  async forgetAgent(sessions: readonly AgentSession[]): Promise<void> {
    await Promise.all(sessions.map((s) => this.cache.delete(cacheKey(s.tokenHash))));
  }

  list(filter: { agentId?: string }, page: { afterId?: string; limit: number }) {
    return this.db.sessions.list(filter, page);
  }

  /** Deletes expired sessions in bounded batches; returns how many went. */
  async sweepExpired(batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.db.transaction(async (stores) => {
        const gone = await stores.sessions.deleteExpired(this.clock.now(), batchSize);
        if (gone.length > 0)
          await stores.events.append(
            gone.map((s) => this.sessionEvent(EventType.SessionEnded, s, { reason: 'expired' })),
          );
        return gone;
      });
      await this.forgetAgent(expired);
      total += expired.length;
      if (expired.length < batchSize) return total;
    }
  }

  private async end(session: AgentSession, actor: string, reason: string): Promise<void> {
    await this.db.transaction(async (stores) => {
      if (await stores.sessions.delete(session.id)) {
        await stores.events.append([this.sessionEvent(EventType.SessionEnded, session, { reason }, actor)]);
      }
    });
    await this.cache.delete(cacheKey(session.tokenHash));
  }

  private issue(agentId: string, peer: string): IssuedSession {
    const token = issueToken(TokenKind.Session);
    const now = this.clock.now();
    return {
      token: token.value,
      session: {
        id: this.ids.next(),
        agentId,
        tokenHash: token.hash,
        createdAt: now,
        expiresAt: now + this.settings.ttlMs,
        peer,
      },
    };
  }

  private remember(session: AgentSession): Promise<void> {
    return this.cache.set(
      cacheKey(session.tokenHash),
      session,
      Math.max(1, session.expiresAt - this.clock.now()),
    );
  }

  private sessionEvent(
    type: EventType,
    session: AgentSession,
    data: Record<string, unknown>,
    actor = `agent:${session.agentId}`,
  ) {
    return this.events.make(type, { kind: 'session', id: session.id }, actor, {
      agentId: session.agentId,
      ...data,
    });
  }
}
