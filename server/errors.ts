import { ERROR_STATUS, type ErrorCode } from '../contract/errors.ts';

// The one error type the server throws on purpose. Its `code` is the protocol's
// error code (docs/protocol.md section 5); http/errorHandler.ts alone turns it
// into a response, so callers branch on codes and nothing else formats errors.

export class WidgetError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After for rate_limited. */
    readonly headers: Record<string, string> = {},
    /** Fields answered beside `error`, e.g. the current note of a 409 conflict. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'WidgetError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
