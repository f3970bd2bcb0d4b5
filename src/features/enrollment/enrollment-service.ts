// Enrollment secrets: created, listed and revoked by operators; consumed by
// agents enrolling (AgentRegistry.enroll).
import { z } from 'zod';
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { invalidArgument, notFound, unauthenticated } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import { hashToken, hasTokenShape, issueToken, TokenKind } from '../../shared/secret-tokens.js';
import { validate } from '../agents/agent.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { GroupKind } from '../groups/group.js';
import { secretState, type EnrollmentSecret } from './enrollment-secret.js';

export const createEnrollmentSecretSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(128),
    groupId: z.string().min(1).max(128).optional(),
    maxUses: z.number().int().min(1).max(1_000_000).optional(),
    /** Absolute expiry (ISO 8601) ... */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    /** ... or a lifetime in seconds. */
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(10 * 365 * 86_400)
      .optional(),
  })
  .strict()
  .refine((v) => !(v.expiresAt && v.ttlSeconds), {
    message: 'give expiresAt or ttlSeconds, not both',
    path: ['ttlSeconds'],
  });
export type CreateEnrollmentSecretInput = z.input<typeof createEnrollmentSecretSchema>;

export interface CreatedEnrollmentSecret {
  readonly secret: string;
  readonly record: EnrollmentSecret;
}

/**
 * The group a secret names is the one its agents join at enrollment: it must
 * exist and be static (a dynamic group's members are chosen by its selector).
 */
async function checkJoinableGroup(stores: Stores, groupId: string): Promise<void> {
  const group = await stores.groups.get(groupId);
  if (!group)
    throw invalidArgument('invalid input', [
      { field: 'groupId', description: `no group ${JSON.stringify(groupId)}` },
    ]);
  if (group.kind === GroupKind.Dynamic)
    throw invalidArgument('invalid input', [
      {
        field: 'groupId',
        description: `group ${JSON.stringify(group.name)} is dynamic: agents join it by their labels, not their secret`,
      },
    ]);
}

export class EnrollmentService {
  constructor(
    private readonly db: Database,
    private readonly auditor: Auditor,
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  async create(context: RequestContext, input: unknown): Promise<CreatedEnrollmentSecret> {
    // Validation runs inside the audited unit, so refused requests are audited too.
    return this.auditor.run(
      context,
      { action: 'enrollment_secret.create', targetKind: 'enrollment_secret', targetId: null },
      async (stores) => {
        const created = this.build(context, validate(createEnrollmentSecretSchema, input));
        if (created.record.groupId !== null) await checkJoinableGroup(stores, created.record.groupId);
        await stores.enrollmentSecrets.insert(created.record);
        return created;
      },
      ({ record }) => ({
        targetId: record.id,
        details: { name: record.name, maxUses: record.maxUses, expiresAt: record.expiresAt },
      }),
    );
  }

  private build(
    context: RequestContext,
    request: z.output<typeof createEnrollmentSecretSchema>,
  ): CreatedEnrollmentSecret {
    const now = this.clock.now();
    if (request.expiresAt && Date.parse(request.expiresAt) <= now) {
      throw invalidArgument('invalid input', [{ field: 'expiresAt', description: 'must be in the future' }]);
    }
    const token = issueToken(TokenKind.EnrollmentSecret);
    const record: EnrollmentSecret = {
      id: this.ids.next(),
      name: request.name,
      secretHash: token.hash,
      hint: token.hint,
      groupId: request.groupId ?? null,
      maxUses: request.maxUses ?? null,
      uses: 0,
      expiresAt: request.expiresAt
        ? Date.parse(request.expiresAt)
        : request.ttlSeconds
          ? now + request.ttlSeconds * 1000
          : null,
      revokedAt: null,
      createdAt: now,
      createdBy: context.principal.actor,
    };
    return { secret: token.value, record };
  }

  list(page: { afterId?: string; limit: number }) {
    return this.db.enrollmentSecrets.list(page);
  }

  async get(id: string): Promise<EnrollmentSecret> {
    const secret = await this.db.enrollmentSecrets.get(id);
    if (!secret) throw notFound('enrollment secret', id);
    return secret;
  }

  async revoke(context: RequestContext, id: string): Promise<EnrollmentSecret> {
    await this.auditor.run(
      context,
      { action: 'enrollment_secret.revoke', targetKind: 'enrollment_secret', targetId: id },
      async (stores) => {
        if (!(await stores.enrollmentSecrets.get(id))) throw notFound('enrollment secret', id);
        await stores.enrollmentSecrets.revoke(id, this.clock.now());
      },
    );
    return this.get(id);
  }

  state(secret: EnrollmentSecret) {
    return secretState(secret, this.clock.now());
  }

  /**
   * The secret an agent enrolled with, presented again by a retried enrollment
   * (agent-service.ts): it must be that secret and not revoked, but spends no
   * use and may have run out of uses or expired since (the retry asks again for
   * the answer to an enrollment already made).
   */
  async recognise(stores: Stores, presented: string, enrolledWith: string | null): Promise<boolean> {
    if (enrolledWith === null || !hasTokenShape(TokenKind.EnrollmentSecret, presented)) return false;
    const secret = await stores.enrollmentSecrets.findByHash(hashToken(presented));
    return secret !== undefined && secret.id === enrolledWith && secret.revokedAt === null;
  }

  /**
   * Checks a presented secret inside the caller's transaction; `spend` then spends one use of it,
   * refusing if it was used up or revoked meanwhile. Spend last, just before the commit: the spend
   * holds the secret's row until then (on PostgreSQL every other enrollment with this secret waits
   * for it), and the refusal rolls back the transaction's work as before.
   */
  async admit(
    stores: Stores,
    presented: string,
  ): Promise<{ secret: EnrollmentSecret; spend(): Promise<void> }> {
    // Built only when refusing: an Error captures a stack, too costly for every call.
    const refused = () => unauthenticated('enrollment secret is not valid');
    if (!hasTokenShape(TokenKind.EnrollmentSecret, presented)) throw refused();
    const secret = await stores.enrollmentSecrets.findByHash(hashToken(presented));
    if (!secret || secretState(secret, this.clock.now()) !== 'active') throw refused();
    const spend = async () => {
      if (!(await stores.enrollmentSecrets.consume(secret.id, this.clock.now()))) throw refused();
    };
    return { secret, spend };
  }
}
