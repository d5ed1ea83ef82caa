import crypto from 'node:crypto';
import type { Db } from '../../db/connect.ts';
import { findLtiPlatform, findLtiPlatformsByIssuer, type LtiPlatformRow } from '../../db/ltiPlatforms.ts';
import { insertLtiState } from '../../db/ltiStates.ts';
import { WidgetError } from '../../errors.ts';

// OIDC third-party login initiation (LTI Security Framework 5.1.1): the LMS
// names itself and the resource; we answer with a redirect to the LMS's own
// authorization endpoint, from our registry, never to a URL the request gave.

/** Seconds a login's state may wait for its launch: the platform answers at once (prompt=none). */
export const LTI_STATE_TTL_SEC = 300;

export interface LoginParams {
  iss: string;
  loginHint: string;
  targetLinkUri: string;
  messageHint: string | null;
  clientId: string | null;
  deploymentId: string | null;
  storageTarget: string | null;
}

const bad = (message: string) => new WidgetError('lti_login_invalid', message);

/** The parameters as sent (GET query or POST form), each at most once. */
export function readLoginParams(get: (name: string) => string[]): LoginParams {
  const one = (name: string, required: boolean): string | null => {
    const values = get(name);
    if (values.length > 1) throw bad(`The login request has "${name}" more than once.`);
    const value = values[0];
    if (value === undefined || value === '') {
      if (required) throw bad(`The login request has no "${name}"; the LMS must send iss, login_hint and target_link_uri.`);
      return null;
    }
    if (value.length > 2048 || value.includes('\u0000')) throw bad(`The login request's "${name}" is not usable.`);
    return value;
  };
  return {
    iss: one('iss', true)!,
    loginHint: one('login_hint', true)!,
    targetLinkUri: one('target_link_uri', true)!,
    messageHint: one('lti_message_hint', false),
    clientId: one('client_id', false),
    deploymentId: one('lti_deployment_id', false),
    storageTarget: one('lti_storage_target', false),
  };
}

/** The registration a login names: by issuer and client_id, or by issuer alone when it has only one. */
export async function findLoginPlatform(db: Db, params: LoginParams): Promise<LtiPlatformRow> {
  const unknown = () => new WidgetError('lti_unknown_platform', 'No LMS is registered with this issuer and client_id; the operator registers it with `widget-admin lti add`.');
  if (params.clientId !== null) return (await findLtiPlatform(db, params.iss, params.clientId)) ?? Promise.reject(unknown());
  const found = await findLtiPlatformsByIssuer(db, params.iss);
  if (found.length === 0) throw unknown();
  if (found.length > 1) throw new WidgetError('lti_unknown_platform', 'Several registrations share this issuer; the LMS must send client_id with the login.');
  return found[0]!;
}

export interface StartedLogin {
  /** The platform's authorization endpoint with the OIDC authentication request. */
  redirectUrl: string;
  state: string;
  /** Set when the browser's half of the state goes to the platform's storage. */
  storage: { target: string; key: string; secret: string } | null;
}

const random = () => crypto.randomBytes(32).toString('base64url');

/** The key the state's browser half is kept under in the platform's storage. */
export const storageKeyOf = (state: string) => `state_${state}`;

/** Names a frame of the platform's page; "_parent" is the platform page itself. */
const STORAGE_TARGET = /^[A-Za-z0-9_.-]{1,64}$/;

export async function startLogin(
  db: Db,
  platform: LtiPlatformRow,
  params: LoginParams,
  rules: { redirectUri: string; targetLinkUri: string; nowMs: number },
): Promise<StartedLogin> {
  if (params.targetLinkUri !== rules.targetLinkUri) {
    throw new WidgetError('lti_target_invalid', `This tool launches only ${rules.targetLinkUri}; set the tool's target link URI to it in the LMS.`);
  }
  if (params.deploymentId !== null && !platform.deploymentIds.includes(params.deploymentId)) {
    throw new WidgetError('lti_deployment_unknown', 'This deployment of the tool is not registered; the operator adds it with `widget-admin lti set-deployments`.');
  }
  const storageTarget = params.storageTarget !== null && STORAGE_TARGET.test(params.storageTarget) ? params.storageTarget : null;
  const state = random();
  const nonce = random();
  const storage = storageTarget === null ? null : { target: storageTarget, key: storageKeyOf(state), secret: random() };
  await insertLtiState(db, { state, tenantId: platform.tenantId, nonce, storage, expiresAt: rules.nowMs + LTI_STATE_TTL_SEC * 1000 });

  const url = new URL(platform.authUrl);
  const request: Record<string, string> = {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: platform.clientId,
    redirect_uri: rules.redirectUri,
    login_hint: params.loginHint,
    state,
    nonce,
  };
  if (params.messageHint !== null) request.lti_message_hint = params.messageHint;
  for (const [name, value] of Object.entries(request)) url.searchParams.set(name, value);
  return { redirectUrl: url.href, state, storage };
}
