// The one error type the server throws on purpose. Its `code` is the protocol's
// error code (protocol.md section 5); http/errorHandler.ts alone turns it into a
// response, so callers branch on codes and nothing else formats errors.

export const errorStatus = {
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  session_revoked: 401,
  launch_invalid: 401,
  launch_expired: 401,
  launch_replayed: 401,
  unknown_issuer: 401,
  validation_failed: 400,
  payload_too_large: 413,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class WidgetError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After for rate_limited. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'WidgetError';
  }

  get status(): number {
    return errorStatus[this.code];
  }
}
