// The envelope shared by backup and state documents: a `format` name, a
// `version`, and a `checksum` — sha256 (hex) of the canonical JSON of the
// `content` (src/shared/canonical-json.ts), so that re-indenting or reordering
// keys keeps a document valid while any change to what it says does not.
// Opening a document checks, in this order, that it is JSON, that it is the
// expected format and version, that the checksum matches the content as
// received, and only then the content's schema: a damaged or edited document
// is reported as such, not as a list of schema violations.
import type { z } from 'zod';
import { contentHash } from '../../shared/canonical-json.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import { zodViolations } from '../agents/agent.js';

export const CHECKSUM_PATTERN = /^[0-9a-f]{64}$/;

/** The checksum a document with this content carries. */
export const checksumOf = (content: unknown): string => contentHash(content ?? null);

export interface DocumentKind<T> {
  readonly format: string;
  readonly version: number;
  /** What the document is called in messages ("backup", "state export"). */
  readonly noun: string;
  /** The whole document's schema, checked once the envelope and checksum are right. */
  readonly schema: z.ZodType<T>;
  /** Further rules the schema cannot say (ids that must match); violations name fields. */
  readonly check?: (document: T) => FieldViolation[];
}

const join = (prefix: string, field: string) =>
  prefix === '' ? field : field === '' ? prefix : `${prefix}.${field}`;

/**
 * Parses and verifies a document given as JSON text or as a parsed value;
 * refusals are invalid_argument naming the field (under `prefix`, e.g.
 * `document` when the document is a member of a request body).
 */
export function openSealedDocument<T>(kind: DocumentKind<T>, input: unknown, prefix = ''): T {
  const refuse = (field: string, description: string) =>
    invalidArgument(`not a valid ${kind.noun}: ${field || 'the document'} ${description}`, [
      { field: join(prefix, field) || '(root)', description },
    ]);
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw refuse(
        '',
        `is not valid JSON (${(error as Error).message}); the file may be truncated or damaged`,
      );
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw refuse('', `must be a ${kind.format} document (a JSON object)`);
  const envelope = value as Record<string, unknown>;
  if (envelope.format !== kind.format)
    throw refuse('format', `must be ${JSON.stringify(kind.format)}, not ${JSON.stringify(envelope.format)}`);
  if (envelope.version !== kind.version)
    throw refuse(
      'version',
      `${JSON.stringify(envelope.version)} is not supported; this server reads version ${kind.version}`,
    );
  if (typeof envelope.checksum !== 'string' || !CHECKSUM_PATTERN.test(envelope.checksum))
    throw refuse('checksum', 'must be the sha256 of the content, 64 lowercase hex digits');
  const actual = checksumOf(envelope.content);
  if (actual !== envelope.checksum)
    throw refuse(
      'checksum',
      `does not match the content (its sha256 is ${actual}): the document was changed or damaged after it was made`,
    );
  const parsed = kind.schema.safeParse(value);
  if (!parsed.success)
    throw invalidArgument(
      `not a valid ${kind.noun}: it does not follow the ${kind.format} version ${kind.version} schema`,
      zodViolations(parsed.error, prefix),
    );
  const violations = (kind.check?.(parsed.data) ?? []).map((v) => ({ ...v, field: join(prefix, v.field) }));
  if (violations.length > 0)
    throw invalidArgument(`not a valid ${kind.noun}: its parts disagree`, violations);
  return parsed.data;
}
