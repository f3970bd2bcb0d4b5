// A small client for the admin REST API, used by the CLI's admin verbs.
// Problems (RFC 9457) become AdminApiError with the server's detail text.

export interface AdminTarget {
  readonly apiUrl: string;
  readonly apiKey: string;
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The fields the problem's `errors` named (400s). */
    readonly fields: readonly string[] = [],
    /** 2 (bad usage) when the server refused the input as invalid, 1 for any other failure. */
    readonly exitCode: number = status === 400 ? 2 : 1,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }

  /** The same refusal reported as a failure (exit 1): the input was well-formed, the fleet lacked what it named. */
  asFailure(): AdminApiError {
    return new AdminApiError(this.status, this.message, this.fields, 1);
  }
}

export class AdminClient {
  constructor(private readonly target: AdminTarget) {}

  /** Follows page tokens of a list endpoint until `limit` items (at most 500 per page). */
  async getAll<T>(
    path: string,
    query: Record<string, string | string[] | undefined>,
    limit: number,
  ): Promise<T[]> {
    const items: T[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextPageToken?: string }>(path, {
        ...query,
        pageSize: String(Math.min(500, limit - items.length)),
        pageToken,
      });
      items.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken && items.length < limit);
    return items;
  }

  get<T>(path: string, query: Record<string, string | string[] | undefined> = {}): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  /** A GET whose (large) answer is read as it arrives, telling `onBytes` how much came of how much. */
  download<T>(
    path: string,
    query: Record<string, string | string[] | undefined>,
    onBytes: BodyProgress,
  ): Promise<T> {
    return this.request<T>('GET', withQuery(path, query), undefined, {}, onBytes);
  }

  post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', path, body, headers);
  }

  put<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('PUT', path, body, headers);
  }

  patch<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('PATCH', path, body, headers);
  }

  delete<T>(path: string, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('DELETE', path, undefined, headers);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    onBytes?: BodyProgress,
  ): Promise<T> {
    const url = `${this.target.apiUrl.replace(/\/$/, '')}/api/v1${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...headers,
          authorization: `Bearer ${this.target.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new AdminApiError(
        0,
        `cannot reach the Corral admin API at ${this.target.apiUrl}: ${(error as Error).message}`,
      );
    }
    const text = onBytes && response.ok ? await readBody(response, onBytes) : await response.text();
    const parsed: unknown = text === '' ? undefined : safeJson(text);
    if (!response.ok) {
      const problem = (parsed ?? {}) as {
        detail?: string;
        title?: string;
        errors?: { field: string; description: string }[];
      };
      const fields = problem.errors?.map((e) => `\n  ${e.field}: ${e.description}`).join('') ?? '';
      throw new AdminApiError(
        response.status,
        `${response.status} ${problem.title ?? response.statusText}: ${problem.detail ?? text}${fields}`,
        problem.errors?.map((e) => e.field) ?? [],
      );
    }
    return parsed as T;
  }
}

/** `received` bytes so far of `total` (0 when the server did not say). */
export type BodyProgress = (received: number, total: number) => void;

function withQuery(path: string, query: Record<string, string | string[] | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value])
      params.append(key, item);
  }
  return params.size > 0 ? `${path}?${params.toString()}` : path;
}

/** The body as text, read chunk by chunk with `onBytes` told after each. */
export async function readBody(response: Response, onBytes: BodyProgress): Promise<string> {
  const total = Number(response.headers.get('content-length') ?? 0) || 0;
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    received += chunk.byteLength;
    text += decoder.decode(chunk, { stream: true });
    onBytes(received, total);
  }
  return text + decoder.decode();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
