// An agent session as the admin API shows it: never the token or its hash.
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import type { AgentSession } from './session.js';

export const sessionJsonSchema = z.strictObject({
  id: z.string(),
  agentId: z.string(),
  createdAt: isoTimeSchema,
  expiresAt: isoTimeSchema,
  peer: z.string().describe('The address the agent authenticated from'),
});

export function sessionJson(session: AgentSession): z.output<typeof sessionJsonSchema> {
  return {
    id: session.id,
    agentId: session.agentId,
    createdAt: isoTime(session.createdAt),
    expiresAt: isoTime(session.expiresAt),
    peer: session.peer,
  };
}
