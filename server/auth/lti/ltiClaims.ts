import crypto from 'node:crypto';
import { canonicalLocale } from '../../../contract/display.ts';
import { isStorableText } from '../../../contract/text.ts';
import { WidgetError } from '../../errors.ts';

// The claims of an LTI 1.3 resource link launch (LTI Core 1.3 section 5.3,
// Security Framework section 5.1.3), checked after the signature. Pure: the
// caller passes the time, the platform's registration and the state's nonce.

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const LTI_CLAIM = {
  version: `${LTI}version`,
  messageType: `${LTI}message_type`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  context: `${LTI}context`,
  presentation: `${LTI}launch_presentation`,
} as const;

export interface LtiClaimRules {
  nowSec: number;
  clockSkew: number;
  clientId: string;
  deploymentIds: string[];
  /** The nonce this launch's state was issued with. */
  nonce: string;
  targetLinkUri: string;
}

/** What a verified launch gives the session: the user, the thread and how to show them. */
export interface LtiLaunchClaims {
  sub: string;
  deploymentId: string;
  nonce: string;
  iat: number;
  exp: number;
  name: string | null;
  /** Context id and resource link id: one thread per placement of the tool in a course. */
  ctx: string;
  contextLabel: string | null;
  locale: string | null;
}

const refuse = (code: ConstructorParameters<typeof WidgetError>[0], message: string) => new WidgetError(code, message);
const invalid = (message: string) => refuse('lti_token_invalid', message);

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max && isStorableText(value) ? value : null;
}

function object(payload: Record<string, unknown>, claim: string): Record<string, unknown> | null {
  const value = payload[claim];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A thread key of at most 255 characters; a longer pair is hashed rather than cut (two placements must not share one). */
function threadKey(contextId: string | null, resourceLinkId: string): string {
  const key = `lti:${contextId ?? ''}/${resourceLinkId}`;
  return key.length <= 255 ? key : `lti:sha256:${crypto.createHash('sha256').update(key).digest('hex')}`;
}

export function checkLtiClaims(payload: Record<string, unknown>, rules: LtiClaimRules): LtiLaunchClaims {
  const { nowSec, clockSkew } = rules;

  // aud may be one string or a list; with several, azp names the one it was issued to.
  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(rules.clientId)) throw refuse('lti_wrong_audience', `The id_token's "aud" does not contain this tool's client_id ("${rules.clientId}" for this platform).`);
  if (payload.azp !== undefined ? payload.azp !== rules.clientId : audiences.length > 1) {
    throw refuse('lti_wrong_audience', `The id_token has several audiences, so its "azp" must be this tool's client_id ("${rules.clientId}").`);
  }

  const exp = payload.exp;
  const iat = payload.iat;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('The id_token needs numeric "exp" and "iat" claims.');
  if (nowSec > exp + clockSkew) throw refuse('lti_token_expired', 'The id_token has expired; launch the tool again from the course.');
  if (iat > nowSec + clockSkew) throw invalid('The id_token was issued in the future ("iat"); the platform\'s clock is off.');
  if (exp <= iat) throw invalid('The id_token expires before it was issued.');

  if (payload.nonce !== rules.nonce) {
    throw refuse('lti_nonce_invalid', 'The id_token\'s "nonce" is not the one this login sent; it was issued for another login.');
  }
  if (payload[LTI_CLAIM.version] !== '1.3.0') throw refuse('lti_wrong_version', 'Only LTI version "1.3.0" launches are supported.');
  if (payload[LTI_CLAIM.messageType] !== 'LtiResourceLinkRequest') {
    throw refuse('lti_wrong_message_type', 'Only resource link launches ("LtiResourceLinkRequest") are supported; Deep Linking is not supported yet.');
  }
  const deploymentId = payload[LTI_CLAIM.deploymentId];
  if (typeof deploymentId !== 'string' || !rules.deploymentIds.includes(deploymentId)) {
    throw refuse('lti_deployment_unknown', 'This deployment of the tool is not registered; the operator adds it with `widget-admin lti set-deployments`.');
  }
  if (payload[LTI_CLAIM.targetLinkUri] !== rules.targetLinkUri) {
    throw refuse('lti_target_invalid', `The launch's target_link_uri must be ${rules.targetLinkUri}.`);
  }

  const sub = text(payload.sub, 255);
  if (sub === null) throw invalid('The id_token has no usable "sub": anonymous launches are not supported.');
  // (issuer, deployment, sub) is one person: the user key must fit the users table.
  if (deploymentId.length + 1 + sub.length > 255) throw invalid('The deployment id and "sub" together are longer than 255 characters.');
  const resourceLink = object(payload, LTI_CLAIM.resourceLink);
  const resourceLinkId = text(resourceLink?.id, 255);
  if (resourceLinkId === null) throw invalid('The id_token has no resource_link id.');
  const contextId = text(object(payload, LTI_CLAIM.context)?.id, 255);

  const given = [text(payload.given_name, 255), text(payload.family_name, 255)].filter((n) => n !== null).join(' ');
  const name = text(payload.name, 255) ?? (given !== '' ? given.slice(0, 255) : null);
  const locale = text(object(payload, LTI_CLAIM.presentation)?.locale, 35);

  return {
    sub,
    deploymentId,
    nonce: rules.nonce,
    iat,
    exp,
    name,
    ctx: threadKey(contextId, resourceLinkId),
    contextLabel: text(resourceLink?.title, 255),
    // LMSs send POSIX spellings too (Moodle: en_US): the same canonical tag as a launch claim's.
    locale: canonicalLocale(locale?.replace(/_/g, '-')),
  };
}
