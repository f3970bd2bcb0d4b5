// Reads a `postgres://` or `postgresql://` store URL: Corral's own query
// parameters (`pool`, `schema`) are taken out, everything else (user,
// password, host, port, database, sslmode, application_name, options, ...)
// goes to the pg driver as it was written. Errors and the printable form never
// carry the password.
import { invalidArgument } from '../../../shared/errors.js';

export const POSTGRES_SCHEMES = ['postgres:', 'postgresql:'] as const;

export const DEFAULT_POOL_SIZE = 10;
export const MAX_POOL_SIZE = 1000;

/** Unquoted PostgreSQL identifiers only, so the name needs no quoting anywhere it is used. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresLocation {
  /** The URL for pg, without Corral's parameters. */
  readonly connectionString: string;
  readonly poolSize: number;
  /** The schema named by `?schema=`, or undefined to use the server's search_path. */
  readonly schema: string | undefined;
  /** Server-side `options` to send on connect (the URL's own, if any, then Corral's search_path). */
  readonly options: string | undefined;
  /** `postgres://user@host:port/database`, for messages: no password, no parameters. */
  readonly display: string;
}

export function isPostgresUrl(url: string): boolean {
  return POSTGRES_SCHEMES.some((scheme) => url.startsWith(`${scheme}//`));
}

export function postgresLocation(url: string): PostgresLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument('store URL is not a valid postgres:// URL');
  }
  if (!(POSTGRES_SCHEMES as readonly string[]).includes(parsed.protocol)) {
    throw invalidArgument('store URL must start with postgres:// or postgresql://');
  }
  const display = displayOf(parsed);
  const params = parsed.searchParams;
  const poolSize = poolSizeOf(params.get('pool'), display);
  const schema = schemaOf(params.get('schema'), display);
  const ownOptions = params.get('options') ?? undefined;
  for (const name of ['pool', 'schema', 'options']) params.delete(name);
  const options = [ownOptions, schema && `-c search_path=${schema}`].filter(Boolean).join(' ');
  return { connectionString: parsed.toString(), poolSize, schema, options: options || undefined, display };
}

function displayOf(url: URL): string {
  const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`;
  return `${url.protocol}//${user}${url.host}${url.pathname}`;
}

function poolSizeOf(value: string | null, display: string): number {
  if (value === null) return DEFAULT_POOL_SIZE;
  const size = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(size >= 1 && size <= MAX_POOL_SIZE))
    throw invalidArgument(`store URL ${display}: pool must be a whole number from 1 to ${MAX_POOL_SIZE}`);
  return size;
}

function schemaOf(value: string | null, display: string): string | undefined {
  if (value === null) return undefined;
  if (!SCHEMA_NAME.test(value))
    throw invalidArgument(
      `store URL ${display}: schema must be a lower-case identifier (a-z, 0-9, _; at most 63 characters)`,
    );
  return value;
}
