import { isStorableText } from '../../../contract/text.ts';
import { WidgetError } from '../../errors.ts';
import type { HostTokenKind } from './hostTokenKind.ts';

// The claims every host-signed token carries (docs/protocol.md sections 2 and 8).
// Pure: the caller has already checked the signature and passes the time in.

export interface HostClaimRules {
  nowSec: number;
  audience: string;
  clockSkew: number;
  maxLifetime: number;
}

export interface HostClaims {
  iss: string;
  sub: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * The first moment (epoch ms) at which a host token is refused as expired. The
 * check compares whole seconds (now is floored), so a token is still accepted
 * through the last millisecond of second `exp + clockSkew`.
 */
export const refusedFromMs = (exp: number, clockSkew: number): number => (Math.floor(exp + clockSkew) + 1) * 1000;

/** Reads the claims of one kind of host token, refusing with that kind's codes and name. */
export function hostClaimReader(payload: Record<string, unknown>, kind: HostTokenKind) {
  const invalid = (message: string) => new WidgetError(kind.invalid, message);

  function boundedString(claim: string, required: boolean): string | null {
    const value = payload[claim];
    if (value === undefined) {
      if (required) throw invalid(`The ${kind.noun} has no "${claim}" claim.`);
      return null;
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
      throw invalid(`The ${kind.noun}'s "${claim}" claim must be a string of 1-255 characters.`);
    }
    if (!isStorableText(value)) throw invalid(unstorable(claim));
    return value;
  }

  function unstorable(claim: string): string {
    return `The ${kind.noun}'s "${claim}" claim contains a NUL character or an unpaired surrogate, which cannot be stored.`;
  }

  function numericDate(claim: string, required: boolean): number | null {
    const value = payload[claim];
    if (value === undefined) {
      if (required) throw invalid(`The ${kind.noun} has no "${claim}" claim (seconds since the epoch).`);
      return null;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalid(`The ${kind.noun}'s "${claim}" claim must be a number of seconds since the epoch.`);
    }
    return value;
  }

  function common(rules: HostClaimRules): HostClaims {
    const { nowSec, clockSkew } = rules;
    const iss = boundedString('iss', true)!;

    const aud = payload.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (aud === undefined) throw invalid(`The ${kind.noun} has no "aud" claim; it must be "${rules.audience}".`);
    if (!audiences.some((a) => a === rules.audience)) {
      throw invalid(`The ${kind.noun}'s "aud" claim must be "${rules.audience}".`);
    }

    const exp = numericDate('exp', true)!;
    const iat = numericDate('iat', true)!;
    const nbf = numericDate('nbf', false);

    if (nowSec > exp + clockSkew) throw new WidgetError(kind.expired, `The ${kind.noun} has expired; sign a new one for each ${kind.use}.`);
    if (exp <= iat) throw invalid(`The ${kind.noun} expires before it was issued ("exp" must be after "iat").`);
    if (exp - iat > rules.maxLifetime) {
      throw new WidgetError(kind.expired, `The ${kind.noun} lives too long: "exp" - "iat" must be at most ${rules.maxLifetime} seconds.`);
    }
    if (iat > nowSec + clockSkew) throw invalid(`The ${kind.noun} was issued in the future ("iat"); check the host server clock.`);
    if (nbf !== null && nbf > nowSec + clockSkew) throw invalid(`The ${kind.noun} is not valid yet ("nbf"); check the host server clock.`);

    const sub = boundedString('sub', true)!;
    const jti = boundedString('jti', true)!;
    return { iss, sub, jti, iat, exp };
  }

  return { common, boundedString, unstorable, invalid };
}
