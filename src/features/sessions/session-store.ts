// Persistence for agent sessions (SQL now; Redis joins in the scale-out issue).
import type { AgentSession } from './session.js';

export interface SessionStore {
  insert(session: AgentSession): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<AgentSession | undefined>;
  get(id: string): Promise<AgentSession | undefined>;
  /** Atomically replaces one session by another (refresh); false when `oldId` no longer exists. */
  replace(oldId: string, next: AgentSession): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Deletes every session of the agent and returns them (their cached tokens must be forgotten). */
  deleteForAgent(agentId: string): Promise<AgentSession[]>;
  deleteExpired(nowMs: number, limit: number): Promise<AgentSession[]>;
  list(
    filter: { agentId?: string },
    page: { afterId?: string; limit: number },
  ): Promise<{ items: AgentSession[]; nextAfterId: string | undefined }>;
}
