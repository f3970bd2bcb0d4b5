// The rules document of a security policy for an attack-blocking agent
// (docs/policies.md, ADR 0011): a default action and an ordered list of rules,
// each matching requests by source address, path, method, header or country and
// deciding block, allow, log or rate_limit. Every object is strict, so an
// unknown or misspelt field is refused by its path (`rules.3.match.cidr`), and
// every refusal names the field (`rules.3.match.cidrs.1`). Documents are stored
// exactly as given (no defaults filled in), so what an agent receives and what
// its hash covers is what the operator wrote.
import { z } from 'zod';
import { addressProblem } from './ip-ranges.js';
import { pathPatternProblem, regexProblem } from './rule-patterns.js';

export const MAX_RULES = 1000;
/** The JSON text of `{defaultAction, rules}`, in UTF-8 bytes. */
export const MAX_RULES_DOCUMENT_BYTES = 256 * 1024;
export const MAX_ADDRESSES_PER_RULE = 10_000;

export const RULE_ACTIONS = ['block', 'allow', 'log', 'rate_limit'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];
/** What happens to a request no rule matches; rate limiting needs a rule (and its spec). */
export const DEFAULT_ACTIONS = ['allow', 'block', 'log'] as const;
export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
] as const;

const RULE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// RFC 9110 field-name tokens.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const COUNTRY = /^[A-Z]{2}$/;

const checked = (problemOf: (text: string) => string | undefined) =>
  z.string().superRefine((text, ctx) => {
    const problem = problemOf(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const list = <T extends z.ZodType>(item: T, max: number, what: string) =>
  z.array(item).min(1, 'must not be empty; leave the field out instead').max(max, `at most ${max} ${what}`);

const headerMatchSchema = z
  .strictObject({
    name: z.string().regex(HEADER_NAME, 'must be an HTTP header name (1-64 token characters)'),
    value: z.string().max(1024, 'must be at most 1024 characters').optional(),
    regex: checked(regexProblem).optional(),
  })
  .refine((header) => header.value === undefined || header.regex === undefined, {
    message: 'give value or regex, not both (neither: the header must be present)',
    path: ['regex'],
  });

export const ruleMatchSchema = z
  .strictObject({
    cidrs: list(checked(addressProblem), MAX_ADDRESSES_PER_RULE, 'addresses or ranges').optional(),
    paths: list(checked(pathPatternProblem), 100, 'path patterns').optional(),
    methods: list(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` }), 9, 'methods')
      .refine((methods) => new Set(methods).size === methods.length, 'repeats a method')
      .optional(),
    headers: list(headerMatchSchema, 20, 'header conditions').optional(),
    countries: list(
      z.string().regex(COUNTRY, 'must be an ISO 3166-1 alpha-2 country code in capitals, such as DE'),
      250,
      'countries',
    ).optional(),
  })
  .refine((match) => Object.values(match).some((value) => value !== undefined), {
    message: 'must name at least one of cidrs, paths, methods, headers, countries',
    // A misspelt member is reported by its own name; an empty match only when nothing else is wrong.
    when: (payload) => payload.issues.length === 0,
  });

export const rateLimitSchema = z.strictObject({
  requests: z.number().int().min(1).max(1_000_000),
  perSeconds: z.number().int().min(1).max(86_400),
  burst: z.number().int().min(1).max(1_000_000).optional(),
});

export const policyRuleSchema = z
  .strictObject({
    id: z.string().regex(RULE_ID, 'must be 1-64 characters of [a-z0-9_-] starting with a letter or digit'),
    description: z.string().max(512, 'must be at most 512 characters').optional(),
    priority: z.number().int().min(0).max(1000).optional(),
    match: ruleMatchSchema,
    action: z.enum(RULE_ACTIONS, { error: `must be one of ${RULE_ACTIONS.join(', ')}` }),
    rateLimit: rateLimitSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.action === 'rate_limit' && rule.rateLimit === undefined)
      ctx.addIssue({ code: 'custom', path: ['rateLimit'], message: 'is required when action is rate_limit' });
    if (rule.action !== 'rate_limit' && rule.rateLimit !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['rateLimit'],
        message: 'is only allowed when action is rate_limit',
      });
  });

export const rulesDocumentSchema = z
  .strictObject({
    defaultAction: z.enum(DEFAULT_ACTIONS, { error: `must be one of ${DEFAULT_ACTIONS.join(', ')}` }),
    rules: z.array(policyRuleSchema).max(MAX_RULES, `at most ${MAX_RULES} rules`),
  })
  .superRefine((document, ctx) => {
    const seen = new Set<string>();
    document.rules.forEach((rule, i) => {
      if (seen.has(rule.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `repeats rule id ${rule.id}` });
      seen.add(rule.id);
    });
  });

export type RulesDocument = z.output<typeof rulesDocumentSchema>;
export type PolicyRule = z.output<typeof policyRuleSchema>;

/** The size a rules document is capped by: its JSON text in UTF-8 bytes. */
export const rulesDocumentBytes = (document: unknown): number =>
  Buffer.byteLength(JSON.stringify(document) ?? '', 'utf8');
