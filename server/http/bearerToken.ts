import { WidgetError } from '../errors.ts';
import type { WidgetContext } from './state.ts';

// RFC 6750 section 2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of "Authorization: Bearer <token>", or token_missing saying which token to send. */
export function bearerToken(ctx: WidgetContext, what: string): string {
  const header = ctx.get('Authorization');
  if (!header) throw new WidgetError('token_missing', `Send the ${what} as "Authorization: Bearer <token>".`);
  const match = BEARER.exec(header);
  if (!match) throw new WidgetError('token_missing', 'The Authorization header must be "Bearer <token>".');
  return match[1]!;
}
