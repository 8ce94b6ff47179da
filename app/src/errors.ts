/**
 * The error catalogue: every error a client can see has a stable code, an HTTP status and a message
 * written for the client. Nothing else (stack traces, SQL, driver messages) ever reaches a response.
 */

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'the request is not valid' },
  MALFORMED_BODY: { status: 400, message: 'the request body is not valid JSON' },
  UNAUTHENTICATED: { status: 401, message: 'a valid bearer token is required' },
  TOKEN_EXPIRED: { status: 401, message: 'the token has expired; log in again' },
  INVALID_CREDENTIALS: { status: 401, message: 'username or password is wrong' },
  FORBIDDEN: { status: 403, message: 'this action is not allowed' },
  NOT_FOUND: { status: 404, message: 'no such resource' },
  CONFLICT: { status: 409, message: 'the resource already exists' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'the content type is not supported' },
  RATE_LIMITED: { status: 429, message: 'too many requests; retry later' },
  INTERNAL: { status: 500, message: 'an internal error occurred' },
  WRITES_DISABLED: { status: 503, message: 'writes are paused in this region; retry later' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'a dependency is unavailable; retry later' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly field?: string };
}

/** An error meant for the client: its code picks the status; `field` names the input at fault. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message ?? ERRORS[code].message, options);
    this.name = 'AppError';
    this.status = ERRORS[code].status;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/** Raised when a dependency's circuit breaker is open or the dependency cannot be reached. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
    this.name = 'DependencyUnavailableError';
  }
}
