import { canonicalLocale, pictureUrl, PICTURE_URL_MAX } from '../../../contract/display.ts';
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
  /** How the widget presents itself (contract/display.ts); null when not sent. */
  locale: string | null;
  ctxLabel: string | null;
  picture: string | null;
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

  const locale = payload.locale === undefined ? null : canonicalLocale(payload.locale);
  if (payload.locale !== undefined && locale === null) throw claims.invalid('The launch token\'s "locale" claim must be a BCP 47 language tag such as "he" or "pt-BR".');
  const ctxLabel = claims.boundedString('ctx_label', false);
  const picture = payload.picture === undefined ? null : pictureUrl(payload.picture);
  if (payload.picture !== undefined && picture === null) {
    throw claims.invalid(`The launch token's "picture" claim must be an https URL of at most ${PICTURE_URL_MAX} characters, without credentials.`);
  }

  return {
    iss,
    sub,
    jti,
    iat,
    exp,
    ctx,
    qsh,
    name: typeof name === 'string' && name.trim() !== '' ? name : null,
    locale,
    ctxLabel: ctxLabel !== null && ctxLabel.trim() !== '' ? ctxLabel : null,
    picture,
  };
}
