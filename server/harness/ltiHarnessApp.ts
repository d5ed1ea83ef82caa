import crypto, { type KeyObject } from 'node:crypto';
import Router from '@koa/router';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import { LTI_CLAIM } from '../auth/lti/ltiClaims.ts';
import { ltiToolUrls } from '../auth/lti/ltiToolUrls.ts';
import { nowSeconds, type Clock } from '../clock.ts';
import { autoPostPage, coursePage, HARNESS_LMS_LINKS, HARNESS_LMS_USERS, storageFramePage } from './ltiHarnessPages.ts';

// A fake LTI 1.3 platform (an LMS) for local development and the e2e suite:
// its own origin, its own RSA key published as a JWKS, an OIDC authorization
// endpoint that signs id_tokens, and platform storage that can be switched
// off. It signs for anyone who asks, so it answers only its own host names.

export interface LtiHarnessDeps {
  widgetUrl: string;
  /** Its origin, which is also its issuer. */
  origin: string;
  clientId: string;
  deploymentId: string;
  clock: Clock;
  hosts: string[];
}

export const DEV_LMS_CLIENT_ID = 'dev-harness-lms';
export const DEV_LMS_DEPLOYMENT = 'dev-deployment-1';

export function createLtiHarnessApp(deps: LtiHarnessDeps): Koa {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `harness-${crypto.randomBytes(4).toString('hex')}`;
  const tool = ltiToolUrls(deps.widgetUrl);
  const app = new Koa();
  app.silent = true;
  const router = new Router({ strict: true, sensitive: true });
  const hosts = new Set(deps.hosts.map((h) => h.toLowerCase()));

  app.use(async (ctx, next) => {
    if (!hosts.has((ctx.request.header.host ?? '').toLowerCase())) {
      ctx.status = 421;
      ctx.body = `This fake LMS answers only ${deps.hosts.join(' and ')}.`;
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    // Its form posts carry its origin, which the tool checks.
    ctx.set('Referrer-Policy', 'strict-origin');
    await next();
  });

  const page = (ctx: Koa.Context, csp: (nonce: string) => string, html: (nonce: string) => string) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    ctx.set('Content-Security-Policy', csp(nonce));
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html(nonce);
  };
  const pick = <T extends { id: string }>(items: readonly T[], value: unknown): T => items.find((i) => i.id === value) ?? items[0]!;

  router.get('/', (ctx) => {
    const user = pick(HARNESS_LMS_USERS, ctx.query.user).id;
    const link = pick(HARNESS_LMS_LINKS, ctx.query.link).id;
    // Storage is on unless the form was sent with the box unticked.
    const storage = ctx.query.go === undefined || ctx.query.storage === 'on';
    page(
      ctx,
      (n) => `default-src 'none'; style-src 'nonce-${n}'; frame-src 'self' ${deps.widgetUrl}; form-action 'self'; base-uri 'none'`,
      (n) => coursePage({ nonce: n, user, link, storage, widgetUrl: deps.widgetUrl }),
    );
  });

  // Third-party initiated login: the platform sends the browser to the tool's login URL.
  router.get('/start', (ctx) => {
    const user = pick(HARNESS_LMS_USERS, ctx.query.user);
    const link = pick(HARNESS_LMS_LINKS, ctx.query.link);
    const fields: Record<string, string> = {
      iss: deps.origin,
      login_hint: user.id,
      target_link_uri: tool.targetLinkUri,
      lti_message_hint: link.id,
      client_id: deps.clientId,
      lti_deployment_id: deps.deploymentId,
    };
    if (ctx.query.storage === 'on') fields.lti_storage_target = 'post_message_forwarding';
    page(ctx, (n) => `default-src 'none'; script-src 'nonce-${n}'; form-action ${deps.widgetUrl} 'self'; base-uri 'none'`, (n) => autoPostPage(n, tool.loginUrl, fields));
  });

  // The OIDC authorization endpoint: checks the request against the tool's registration, signs the id_token.
  router.get('/auth', (ctx) => {
    const q = ctx.query;
    const problems = [
      q.client_id !== deps.clientId && 'client_id',
      q.redirect_uri !== tool.redirectUri && 'redirect_uri',
      q.response_type !== 'id_token' && 'response_type',
      q.response_mode !== 'form_post' && 'response_mode',
      q.scope !== 'openid' && 'scope',
      typeof q.state !== 'string' && 'state',
      typeof q.nonce !== 'string' && 'nonce',
    ].filter(Boolean);
    if (problems.length > 0) {
      ctx.status = 400;
      ctx.body = `invalid authentication request: ${problems.join(', ')}`;
      return;
    }
    const user = pick(HARNESS_LMS_USERS, q.login_hint);
    const link = pick(HARNESS_LMS_LINKS, q.lti_message_hint);
    const iat = nowSeconds(deps.clock);
    const idToken = jwt.sign(
      {
        iss: deps.origin,
        aud: deps.clientId,
        sub: `harness-${user.id}`,
        iat,
        exp: iat + 300,
        nonce: q.nonce,
        name: user.name,
        [LTI_CLAIM.version]: '1.3.0',
        [LTI_CLAIM.messageType]: 'LtiResourceLinkRequest',
        [LTI_CLAIM.deploymentId]: deps.deploymentId,
        [LTI_CLAIM.targetLinkUri]: tool.targetLinkUri,
        [LTI_CLAIM.resourceLink]: { id: link.id, title: link.title },
        [LTI_CLAIM.context]: { id: 'cs-101', title: 'CS 101' },
        [LTI_CLAIM.presentation]: { document_target: 'iframe', locale: 'en-GB' },
        'https://purl.imsglobal.org/spec/lti/claim/roles': [`http://purl.imsglobal.org/vocab/lis/v2/membership#${user.role}`],
      },
      privateKey as KeyObject,
      { algorithm: 'RS256', keyid: kid },
    );
    page(ctx, (n) => `default-src 'none'; script-src 'nonce-${n}'; form-action ${deps.widgetUrl}; base-uri 'none'`, (n) => autoPostPage(n, tool.redirectUri, { id_token: idToken, state: String(q.state) }));
  });

  router.get('/storage-frame', (ctx) => {
    page(ctx, (n) => `default-src 'none'; script-src 'nonce-${n}'; base-uri 'none'; frame-ancestors 'self'`, storageFramePage);
  });

  router.get('/jwks.json', (ctx) => {
    ctx.body = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
