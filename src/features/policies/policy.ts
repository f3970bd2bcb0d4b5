// Security policies as Corral stores them, and the rules for the bodies that
// create and update them. Plain data and pure functions (ADR 0011).
//
// - Ids are server-generated and time-ordered (IdSource); names are unique.
// - Every change is a new immutable version (1, 2, …) holding a full snapshot:
//   name, description, mode, rules document, author, time and reason. The
//   policy row carries the current one.
// - `mode`: `enforce` applies the rules; `monitor` evaluates them and only logs
//   what they would have done.
import { z } from 'zod';
import { invalidArgument } from '../../shared/errors.js';
import { zodViolations } from '../agents/agent.js';
import {
  MAX_RULES_DOCUMENT_BYTES,
  rulesDocumentSchema,
  rulesDocumentBytes,
  type RulesDocument,
} from './policy-rules.js';

export const PolicyMode = { Enforce: 'enforce', Monitor: 'monitor' } as const;
export type PolicyMode = (typeof PolicyMode)[keyof typeof PolicyMode];
export const POLICY_MODE_VALUES: readonly PolicyMode[] = Object.values(PolicyMode);

export const AssignmentTargetKind = { Agent: 'agent', Group: 'group' } as const;
export type AssignmentTargetKind = (typeof AssignmentTargetKind)[keyof typeof AssignmentTargetKind];
export const ASSIGNMENT_TARGET_KINDS: readonly AssignmentTargetKind[] = Object.values(AssignmentTargetKind);

/** What every version snapshots. */
export interface PolicyDefinition {
  readonly name: string;
  readonly description: string;
  readonly mode: PolicyMode;
  /** `defaultAction` and `rules`; the API shows both members flat, beside `mode`. */
  readonly document: RulesDocument;
}

export interface Policy extends PolicyDefinition {
  readonly id: string;
  /** The current version: 1 when created, one more on every update; the ETag. */
  readonly version: number;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface PolicyVersion extends PolicyDefinition {
  readonly policyId: string;
  readonly version: number;
  readonly author: string;
  readonly createdAt: number;
  readonly reason: string;
}

export interface AssignmentTarget {
  readonly kind: AssignmentTargetKind;
  readonly id: string;
}

export interface PolicyAssignment {
  readonly policyId: string;
  readonly target: AssignmentTarget;
  readonly assignedAt: number;
  readonly assignedBy: string;
}

export const MAX_POLICY_NAME = 128;
export const MAX_DESCRIPTION = 1024;
export const MAX_REASON = 512;

// No control characters: names show up in tables and logs.
const NAME = /^[^\p{Cc}]*$/u;

const definitionShape = {
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_POLICY_NAME, `must be at most ${MAX_POLICY_NAME} characters`)
    .regex(NAME, 'must not hold control characters'),
  description: z.string().max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`).default(''),
  mode: z.enum(POLICY_MODE_VALUES as [PolicyMode, ...PolicyMode[]], { error: 'must be enforce or monitor' }),
  defaultAction: z.unknown(),
  rules: z.unknown(),
  reason: z.string().max(MAX_REASON, `must be at most ${MAX_REASON} characters`).default(''),
};

/** The body of POST /policies and PUT /policies/{id} (PUT replaces everything and adds a version). */
export const policyBodySchema = z.strictObject(definitionShape);

export interface ParsedPolicyBody extends PolicyDefinition {
  /** Why this version exists; kept with it. */
  readonly reason: string;
}

/**
 * Checks a create or update body. The rules document (`defaultAction` and
 * `rules`, flattened into the body so fields read `rules.3.match.cidrs.1`) is
 * measured before it is parsed, so an oversize one costs no more than its size.
 */
export function parsePolicyBody(body: unknown): ParsedPolicyBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidArgument('invalid input', [{ field: '(root)', description: 'must be a JSON object' }]);
  const given = body as { defaultAction?: unknown; rules?: unknown };
  const size = rulesDocumentBytes({ defaultAction: given.defaultAction, rules: given.rules });
  if (size > MAX_RULES_DOCUMENT_BYTES)
    throw invalidArgument('rules document too large', [
      { field: 'rules', description: `is ${size} bytes of JSON; at most ${MAX_RULES_DOCUMENT_BYTES}` },
    ]);
  const outer = policyBodySchema.safeParse(body);
  const document = rulesDocumentSchema.safeParse({ defaultAction: given.defaultAction, rules: given.rules });
  const violations = [
    ...(outer.success ? [] : zodViolations(outer.error)),
    ...(document.success ? [] : zodViolations(document.error)),
  ];
  if (!outer.success || !document.success || violations.length > 0)
    throw invalidArgument('invalid policy', violations);
  const { name, description, mode, reason } = outer.data;
  return { name, description, mode, reason, document: document.data };
}
