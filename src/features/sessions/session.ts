// An agent session: a short-lived bearer token bound to one agent. Only the
// token's hash is kept.
import { permissionDenied } from '../../shared/errors.js';

export interface AgentSession {
  readonly id: string;
  readonly agentId: string;
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly peer: string;
}

export const isLive = (session: AgentSession, nowMs: number): boolean => session.expiresAt > nowMs;

/** A call made with a session acts for the session's agent only; `claimed` empty means "not named". */
export function assertActsFor(sessionAgentId: string, claimed: string): void {
  if (claimed !== '' && claimed !== sessionAgentId) {
    throw permissionDenied(
      `this session belongs to agent ${JSON.stringify(sessionAgentId)}, not ${JSON.stringify(claimed)}`,
    );
  }
}
