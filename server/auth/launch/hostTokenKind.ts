import type { ErrorCode } from '../../../contract/errors.ts';
import { SESSION_TOKEN_TYPE } from '../compactJwt.ts';

// A host signs two kinds of token with the keys it registered: launch tokens
// (its page hands them to /launch) and host API tokens (its backend calls our
// host API with them, e.g. to end a user's sessions). RFC 8725 section 3.11:
// kinds signed with one key are told apart explicitly, by the header "typ" and
// by "aud", so neither can ever be accepted as the other.

/** The header "typ" every host API token carries. */
export const HOST_API_TOKEN_TYPE = 'widget-host-api+jwt';

export interface HostTokenKind {
  /** How messages name it, and what one token is good for ("sign a new one for each launch"). */
  noun: string;
  use: string;
  /** The "typ" it must carry; null: any, except the types of our other token kinds. */
  typ: string | null;
  invalid: ErrorCode;
  expired: ErrorCode;
  replayed: ErrorCode;
}

export const LAUNCH_TOKEN: HostTokenKind = { noun: 'launch token', use: 'launch', typ: null, invalid: 'launch_invalid', expired: 'launch_expired', replayed: 'launch_replayed' };

export const HOST_API_TOKEN: HostTokenKind = {
  noun: 'host API token',
  use: 'call',
  typ: HOST_API_TOKEN_TYPE,
  invalid: 'host_token_invalid',
  expired: 'host_token_expired',
  replayed: 'host_token_replayed',
};

const OTHER_KINDS: Record<string, string> = {
  [SESSION_TOKEN_TYPE]: 'a widget session token',
  [HOST_API_TOKEN_TYPE]: 'a host API token',
};

/** Why a header "typ" does not fit `kind`, or null when it does. Media types compare case-insensitively (RFC 7515 section 4.1.9). */
export function tokenTypeMismatch(typ: unknown, kind: HostTokenKind): string | null {
  const given = typeof typ === 'string' ? typ.toLowerCase() : null;
  if (kind.typ !== null) {
    return given === kind.typ ? null : `The ${kind.noun} must carry the header "typ": "${kind.typ}"; a launch token is never accepted here.`;
  }
  const other = given === null ? undefined : OTHER_KINDS[given];
  return other ? `This is ${other}, not a ${kind.noun}; sign a ${kind.noun} on the host backend.` : null;
}
