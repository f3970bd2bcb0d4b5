// CACHE_URL for Redis and Valkey: which schemes name it, how the client is
// given it (valkey:// is an alias of redis://), whether it is well formed, and
// a form safe to print (the password never reaches a log or an error).

/** `valkey://` and `valkeys://` mean `redis://` and `rediss://` (TLS). */
export const REDIS_URL_SCHEMES = ['redis://', 'rediss://', 'valkey://', 'valkeys://'] as const;

export const isRedisUrl = (url: string): boolean =>
  REDIS_URL_SCHEMES.some((scheme) => url.toLowerCase().startsWith(scheme));

/** The URL spelled with the scheme the client knows. */
export function toClientUrl(url: string): string {
  return url.replace(/^valkey(s?):\/\//i, (_match, tls: string) => `redis${tls}://`);
}

/** What is wrong with a Redis URL, in words that never quote it; undefined when it is usable. */
export function redisUrlProblem(url: string): string | undefined {
  const shape = 'must look like redis://[user:password@]host[:port][/db] (or rediss://, valkey://)';
  let parsed: URL;
  try {
    parsed = new URL(toClientUrl(url));
  } catch {
    return shape;
  }
  if (!isRedisUrl(url) || parsed.hostname === '') return shape;
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,5}$/.test(parsed.pathname)) {
    return `${shape}: the path, when given, is a database number`;
  }
  return undefined;
}

/** The URL with its password replaced by `***`, for logs, errors and /api/status. */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparsable Redis URL)';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
