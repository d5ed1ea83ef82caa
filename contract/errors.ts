// The protocol's error codes (docs/protocol.md section 5) and the HTTP status
// each one is answered with. The server throws them; the widget branches on them.

export const ERROR_STATUS = {
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  session_revoked: 401,
  launch_invalid: 401,
  launch_expired: 401,
  launch_replayed: 401,
  unknown_issuer: 401,
  host_token_invalid: 401,
  host_token_expired: 401,
  host_token_replayed: 401,
  validation_failed: 400,
  payload_too_large: 413,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  too_many_streams: 429,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every API error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}
