// Admin API keys: created, listed and revoked by admins; checked on every
// admin request (through the cache); a bootstrap admin key on first start.
import { z } from 'zod';
import type { Cache } from '../../infra/cache/cache.js';
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { ErrorCode, isCorralError, notFound, unauthenticated } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import { hashToken, issueToken, TokenKind, type IssuedToken } from '../../shared/secret-tokens.js';
import { validate } from '../agents/agent.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { ROLES, type ApiKey, type Principal, type Role } from './api-key.js';

export const createApiKeySchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(128),
    role: z.enum(ROLES as [Role, ...Role[]]),
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(10 * 365 * 86_400)
      .optional(),
  })
  .strict();

const CACHE_TTL_MS = 30_000;
const cacheKey = (hash: string) => `api-key:${hash}`;

export interface BootstrapResult {
  /** Set only when a key was generated now; print it once. */
  readonly generatedKey: string | undefined;
  readonly created: boolean;
}

export class ApiKeyService {
  constructor(
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly auditor: Auditor,
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  /**
   * On first start (no keys yet) stores an admin key: ADMIN_API_KEY when set,
   * else a generated one returned to be printed once. When ADMIN_API_KEY is set
   * on a later start and unknown, it is added, so an operator can always get in.
   */
  async bootstrap(configuredKey: string | undefined): Promise<BootstrapResult> {
    if (configuredKey !== undefined) {
      const hash = hashToken(configuredKey);
      if (await this.db.apiKeys.findByHash(hash)) return { generatedKey: undefined, created: false };
      try {
        await this.insertBootstrap(
          { value: configuredKey, hash, hint: `${configuredKey.slice(0, 4)}…` },
          'ADMIN_API_KEY',
        );
      } catch (error) {
        // Several instances starting at once with the same key on a new store: one stores it.
        if (
          isCorralError(error) &&
          error.code === ErrorCode.AlreadyExists &&
          (await this.db.apiKeys.findByHash(hash))
        )
          return { generatedKey: undefined, created: false };
        throw error;
      }
      return { generatedKey: undefined, created: true };
    }
    if ((await this.db.apiKeys.count()) > 0) return { generatedKey: undefined, created: false };
    const token = issueToken(TokenKind.ApiKey);
    await this.insertBootstrap(token, 'generated on first start');
    return { generatedKey: token.value, created: true };
  }

  async authenticate(presented: string): Promise<Principal> {
    // Built only when refusing: an Error captures a stack, too costly for every call.
    const refused = () => unauthenticated('API key is missing, unknown, expired or revoked');
    if (presented.length < 20 || presented.length > 256) throw refused();
    const hash = hashToken(presented);
    const key = (await this.cache.get<ApiKey>(cacheKey(hash))) ?? (await this.db.apiKeys.findByHash(hash));
    const now = this.clock.now();
    if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) throw refused();
    await this.cache.set(cacheKey(hash), key, CACHE_TTL_MS);
    return { actor: `api_key:${key.id}`, name: key.name, role: key.role };
  }

  async create(context: RequestContext, input: unknown): Promise<{ key: string; record: ApiKey }> {
    // Validation runs inside the audited unit, so refused requests are audited too.
    return this.auditor.run(
      context,
      { action: 'api_key.create', targetKind: 'api_key', targetId: null },
      async (stores) => {
        const request = validate(createApiKeySchema, input);
        const token = issueToken(TokenKind.ApiKey);
        const now = this.clock.now();
        const record: ApiKey = {
          id: this.ids.next(),
          name: request.name,
          role: request.role,
          keyHash: token.hash,
          hint: token.hint,
          createdAt: now,
          createdBy: context.principal.actor,
          expiresAt: request.ttlSeconds ? now + request.ttlSeconds * 1000 : null,
          revokedAt: null,
          lastUsedAt: null,
        };
        await stores.apiKeys.insert(record);
        return { key: token.value, record };
      },
      ({ record }) => ({ targetId: record.id, details: { name: record.name, role: record.role } }),
    );
  }

  list(page: { afterId?: string; limit: number }) {
    return this.db.apiKeys.list(page);
  }

  async revoke(context: RequestContext, id: string): Promise<ApiKey> {
    const revoked = await this.auditor.run(
      context,
      { action: 'api_key.revoke', targetKind: 'api_key', targetId: id },
      async (stores) => {
        const key = await stores.apiKeys.get(id);
        if (!key) throw notFound('API key', id);
        await stores.apiKeys.revoke(id, this.clock.now());
        return key;
      },
    );
    await this.cache.delete(cacheKey(revoked.keyHash));
    const after = await this.db.apiKeys.get(id);
    if (!after) throw notFound('API key', id);
    return after;
  }

  private async insertBootstrap(token: IssuedToken, how: string): Promise<void> {
    const now = this.clock.now();
    await this.auditor.run(
      { principal: { actor: 'system', name: 'system', role: 'admin' }, requestId: null },
      { action: 'api_key.bootstrap', targetKind: 'api_key', targetId: null, details: { how } },
      async (stores) => {
        const id = this.ids.next();
        await stores.apiKeys.insert({
          id,
          name: 'bootstrap admin',
          role: 'admin',
          keyHash: token.hash,
          hint: token.hint,
          createdAt: now,
          createdBy: 'system',
          expiresAt: null,
          revokedAt: null,
          lastUsedAt: null,
        });
        return id;
      },
      (id) => ({ targetId: id }),
    );
  }
}
