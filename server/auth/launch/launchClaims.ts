import { isStorableText } from '../../../contract/text.ts';
import { WidgetError } from '../../errors.ts';

// Claim rules for launch tokens (docs/protocol.md section 2). Pure: the caller has
// already checked the signature and passes the time in.

export interface LaunchClaimRules {
  nowSec: number;
  audience: string;
  clockSkew: number;
  maxLifetime: number;
}

export interface LaunchClaims {
  iss: string;
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  name: string | null;
  ctx: string;
  qsh: string | null;
}

const invalid = (message: string) => new WidgetError('launch_invalid', message);
const unstorable = (claim: string) => `The launch token's "${claim}" claim contains a NUL character or an unpaired surrogate, which cannot be stored.`;

function boundedString(payload: Record<string, unknown>, claim: string, required: boolean): string | null {
  const value = payload[claim];
  if (value === undefined) {
    if (required) throw invalid(`The launch token has no "${claim}" claim.`);
    return null;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw invalid(`The launch token's "${claim}" claim must be a string of 1-255 characters.`);
  }
  if (!isStorableText(value)) throw invalid(unstorable(claim));
  return value;
}

function numericDate(payload: Record<string, unknown>, claim: string, required: boolean): number | null {
  const value = payload[claim];
  if (value === undefined) {
    if (required) throw invalid(`The launch token has no "${claim}" claim (seconds since the epoch).`);
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`The launch token's "${claim}" claim must be a number of seconds since the epoch.`);
  }
  return value;
}

/**
 * The first moment (epoch ms) at which checkLaunchClaims refuses a token as
 * expired. It compares whole seconds (now is floored), so a token is still
 * accepted through the last millisecond of second `exp + clockSkew`.
 */
export const launchRefusedFromMs = (exp: number, clockSkew: number): number => (Math.floor(exp + clockSkew) + 1) * 1000;

export function checkLaunchClaims(payload: Record<string, unknown>, rules: LaunchClaimRules): LaunchClaims {
  const { nowSec, clockSkew } = rules;
  const iss = boundedString(payload, 'iss', true)!;

  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (aud === undefined) throw invalid(`The launch token has no "aud" claim; it must be "${rules.audience}".`);
  if (!audiences.some((a) => a === rules.audience)) {
    throw invalid(`The launch token's "aud" claim must be "${rules.audience}".`);
  }

  const exp = numericDate(payload, 'exp', true)!;
  const iat = numericDate(payload, 'iat', true)!;
  const nbf = numericDate(payload, 'nbf', false);

  if (nowSec > exp + clockSkew) throw new WidgetError('launch_expired', 'The launch token has expired; sign a new one for each launch.');
  if (exp <= iat) throw invalid('The launch token expires before it was issued ("exp" must be after "iat").');
  if (exp - iat > rules.maxLifetime) {
    throw new WidgetError('launch_expired', `The launch token lives too long: "exp" - "iat" must be at most ${rules.maxLifetime} seconds.`);
  }
  if (iat > nowSec + clockSkew) throw invalid('The launch token was issued in the future ("iat"); check the host server clock.');
  if (nbf !== null && nbf > nowSec + clockSkew) throw invalid('The launch token is not valid yet ("nbf"); check the host server clock.');

  const sub = boundedString(payload, 'sub', true)!;
  const jti = boundedString(payload, 'jti', true)!;
  const ctx = boundedString(payload, 'ctx', false) ?? 'default';
  const qsh = payload.qsh === undefined ? null : payload.qsh;
  if (qsh !== null && typeof qsh !== 'string') throw invalid('The launch token\'s "qsh" claim must be a string.');

  const name = payload.name;
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 255)) {
    throw invalid('The launch token\'s "name" claim must be a string of at most 255 characters.');
  }
  if (typeof name === 'string' && !isStorableText(name)) throw invalid(unstorable('name'));

  return { iss, sub, jti, iat, exp, ctx, qsh, name: typeof name === 'string' && name.trim() !== '' ? name : null };
}
