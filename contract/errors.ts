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
  // LTI 1.3 (docs/lti.md): one code per refusal of a login or a launch.
  lti_login_invalid: 400,
  lti_unknown_platform: 400,
  lti_target_invalid: 400,
  lti_platform_refused: 401,
  lti_state_invalid: 401,
  lti_state_replayed: 401,
  lti_state_unbound: 401,
  lti_token_invalid: 401,
  lti_token_expired: 401,
  lti_wrong_issuer: 401,
  lti_wrong_audience: 401,
  lti_nonce_invalid: 401,
  lti_nonce_replayed: 401,
  lti_wrong_version: 401,
  lti_wrong_message_type: 401,
  lti_deployment_unknown: 401,
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
