// The admin API from the browser: every call sends the session's key as a
// Bearer token (never in a URL), reads JSON, and turns problem+json answers
// into ApiError with the server's own messages, so forms can show them by field.
export interface FieldError {
  readonly field: string;
  readonly description: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /** The message for one field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.startsWith(`${field}.`))?.description;
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

/** `?a=1&b=x,y` from a query object; empty, undefined and null values are left out. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken?: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export class ApiClient {
  constructor(
    private readonly apiKey: string,
    /** Called when the server says the key is no longer good (401), to sign out. */
    private readonly onUnauthenticated: () => void = () => undefined,
    private readonly base = '/api/v1',
  ) {}

  get<T>(path: string, query?: Query, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', `${path}${queryString(query)}`, options);
  }
  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /** The response with its headers (for ETags). */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/json',
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    // Paths under /api/ are absolute (the seed's /api/admin/maintenance); the rest are under /api/v1.
    const url = path.startsWith('/api/') ? path : `${this.base}${path}`;
    const response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
      cache: 'no-store',
    });
    if (!response.ok) throw await toApiError(response, () => this.onUnauthenticated());
    return response;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.raw(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

async function toApiError(response: Response, onUnauthenticated: () => void): Promise<ApiError> {
  if (response.status === 401) onUnauthenticated();
  let problem: { code?: string; detail?: string; title?: string; errors?: FieldError[] } = {};
  try {
    problem = (await response.json()) as typeof problem;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(
    response.status,
    problem.code ?? `http_${response.status}`,
    problem.detail ?? problem.title ?? `${response.status} ${response.statusText}`,
    Array.isArray(problem.errors) ? problem.errors : [],
  );
}
