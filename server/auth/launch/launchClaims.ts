import { isStorableText } from '../../../contract/text.ts';
import { hostClaimReader, type HostClaimRules, type HostClaims } from './hostClaims.ts';
import { LAUNCH_TOKEN } from './hostTokenKind.ts';

// Claim rules for launch tokens (docs/protocol.md section 2): the claims of
// every host token, then what a launch adds. Pure: the caller has already
// checked the signature and passes the time in.

export type LaunchClaimRules = HostClaimRules;

export interface LaunchClaims extends HostClaims {
  name: string | null;
  ctx: string;
  qsh: string | null;
}

export function checkLaunchClaims(payload: Record<string, unknown>, rules: LaunchClaimRules): LaunchClaims {
  const claims = hostClaimReader(payload, LAUNCH_TOKEN);
  const { iss, sub, jti, iat, exp } = claims.common(rules);
  const ctx = claims.boundedString('ctx', false) ?? 'default';
  const qsh = payload.qsh === undefined ? null : payload.qsh;
  if (qsh !== null && typeof qsh !== 'string') throw claims.invalid('The launch token\'s "qsh" claim must be a string.');

  const name = payload.name;
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 255)) {
    throw claims.invalid('The launch token\'s "name" claim must be a string of at most 255 characters.');
  }
  if (typeof name === 'string' && !isStorableText(name)) throw claims.invalid(claims.unstorable('name'));

  return { iss, sub, jti, iat, exp, ctx, qsh, name: typeof name === 'string' && name.trim() !== '' ? name : null };
}
