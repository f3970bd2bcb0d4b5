// The one error type the domain and services throw. Each error carries a stable
// machine-readable `code`; transports map codes to HTTP problem+json and gRPC
// statuses (src/transports/http/problem.ts, src/transports/grpc/status.ts).

export const ErrorCode = {
  InvalidArgument: 'invalid_argument',
  NotFound: 'not_found',
  AlreadyExists: 'already_exists',
  Unauthenticated: 'unauthenticated',
  PermissionDenied: 'permission_denied',
  PreconditionFailed: 'precondition_failed',
  ResourceExhausted: 'resource_exhausted',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem with one input field; `field` is a dotted path such as `heartbeat.cpu_percent`. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export interface CorralErrorOptions {
  readonly violations?: readonly FieldViolation[];
  /** For resource_exhausted / unavailable: when the caller may try again. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class CorralError extends Error {
  readonly code: ErrorCode;
  readonly violations: readonly FieldViolation[];
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: CorralErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CorralError';
    this.code = code;
    this.violations = options.violations ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether calling again later, unchanged, can succeed. */
  get retryable(): boolean {
    return this.code === ErrorCode.ResourceExhausted || this.code === ErrorCode.Unavailable;
  }
}

export const invalidArgument = (message: string, violations: readonly FieldViolation[] = []): CorralError =>
  new CorralError(ErrorCode.InvalidArgument, message, { violations });
export const notFound = (what: string, id: string): CorralError =>
  new CorralError(ErrorCode.NotFound, `${what} ${JSON.stringify(id)} was not found`);
export const alreadyExists = (message: string): CorralError =>
  new CorralError(ErrorCode.AlreadyExists, message);
export const unauthenticated = (message: string): CorralError =>
  new CorralError(ErrorCode.Unauthenticated, message);
export const permissionDenied = (message: string): CorralError =>
  new CorralError(ErrorCode.PermissionDenied, message);
export const preconditionFailed = (message: string): CorralError =>
  new CorralError(ErrorCode.PreconditionFailed, message);
export const resourceExhausted = (message: string, retryAfterMs: number): CorralError =>
  new CorralError(ErrorCode.ResourceExhausted, message, { retryAfterMs });

export const unavailable = (message: string, retryAfterMs?: number): CorralError =>
  new CorralError(ErrorCode.Unavailable, message, retryAfterMs === undefined ? {} : { retryAfterMs });

export const isCorralError = (error: unknown): error is CorralError => error instanceof CorralError;
