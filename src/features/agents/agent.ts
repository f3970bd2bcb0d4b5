// The agent as Corral stores it, and the rules for the facts an agent reports
// about itself. Plain data; transports map their wire types to these.
import { z } from 'zod';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import type { Connectivity, Health, HeartbeatSample } from '../health/health-model.js';

export interface AgentFacts {
  readonly name: string;
  readonly hostname: string;
  readonly ipAddress: string;
  readonly version: string;
  readonly type: string;
  readonly platform: string;
  readonly capabilities: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface Agent extends AgentFacts {
  readonly id: string;
  readonly status: Connectivity;
  readonly statusChangedAt: number;
  readonly health: Health;
  readonly healthReasons: readonly string[];
  readonly healthChangedAt: number;
  readonly enrolledAt: number;
  readonly updatedAt: number;
  readonly lastSeenAt: number | null;
  readonly lastHeartbeat: HeartbeatSample | null;
  readonly enrollmentSecretId: string | null;
  /** Bumped by every change to facts or metadata; the REST API's ETag. */
  readonly revision: number;
}

export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?$/;
const CAPABILITY = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

export const agentIdSchema = z
  .string()
  .regex(AGENT_ID_PATTERN, 'must be 1-128 characters of [A-Za-z0-9._:-], starting with a letter or digit');

export const labelsSchema = z
  .record(z.string().regex(LABEL_KEY, 'label keys are 1-64 characters of [A-Za-z0-9._/-]'), text(256))
  .refine((labels) => Object.keys(labels).length <= 64, 'at most 64 labels');

export const capabilitiesSchema = z
  .array(z.string().regex(CAPABILITY, 'capabilities are 1-64 characters of [A-Za-z0-9._:-]'))
  .max(64, 'at most 64 capabilities');

export const agentFactsSchema = z.object({
  name: text(256),
  hostname: text(255),
  ipAddress: z.union([z.literal(''), z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' }),
  version: text(64),
  type: text(64),
  platform: text(64),
  capabilities: capabilitiesSchema,
  labels: labelsSchema,
});

/** The metadata an operator may change through the admin API. */
export const agentMetadataPatchSchema = z
  .object({
    name: text(256).optional(),
    labels: labelsSchema.optional(),
  })
  .strict();
export type AgentMetadataPatch = z.output<typeof agentMetadataPatchSchema>;

/** Validates with a zod schema and turns every issue into a named field violation. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, fieldPrefix = ''): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidArgument('invalid input', zodViolations(parsed.error, fieldPrefix));
}

export function zodViolations(error: z.ZodError, fieldPrefix = ''): FieldViolation[] {
  const fieldOf = (path: readonly PropertyKey[]) =>
    [fieldPrefix, ...path.map(String)].filter((part) => part !== '').join('.') || fieldPrefix || '(root)';
  // An unknown member is named itself, not its parent object.
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: fieldOf([...issue.path, key]),
          description: 'is not a known field',
        }))
      : [{ field: fieldOf(issue.path), description: issue.message }],
  );
}

export function normaliseFacts(facts: AgentFacts): AgentFacts {
  return {
    ...facts,
    name: facts.name.trim(),
    capabilities: [...new Set(facts.capabilities)].sort(),
  };
}
