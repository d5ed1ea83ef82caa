import type { LtiOpened, LtiService } from '../auth/lti/ltiLaunch.ts';
import { readLoginParams } from '../auth/lti/ltiLogin.ts';
import { ltiTenantIssuer } from '../auth/lti/ltiPlatform.ts';
import { LTI_JWKS_PATH, LTI_LAUNCH_PATH, LTI_LOGIN_PATH } from '../auth/lti/ltiToolUrls.ts';
import type { LaunchSource } from '../auth/launch/launchSource.ts';
import type { TenantDirectory } from '../auth/launch/tenantDirectory.ts';
import type { LaunchTenant } from '../auth/launch/verifyHostSignature.ts';
import { WidgetError } from '../errors.ts';
import { readForm } from '../http/readBody.ts';
import type { RouteSpec } from '../http/route.ts';
import type { RouteContext } from '../http/state.ts';
import { renderLtiStoragePage } from '../page/renderLtiStoragePage.ts';
import { sendWidgetPage, type LaunchRouteDeps } from './launch.ts';

// LTI 1.3 (docs/lti.md): login initiation, the id_token's form post, and the
// end of a launch whose state was kept in the platform's storage.

export const LTI_FINISH_PATH = `${LTI_LAUNCH_PATH}/finish`;

export interface LtiRouteDeps extends Pick<LaunchRouteDeps, 'pageAssets' | 'renderApp'> {
  lti: LtiService;
  tenants: TenantDirectory;
}

const sourceOf = (ctx: RouteContext): LaunchSource => ({
  origin: ctx.get('Origin') || null,
  fetchSite: ctx.get('Sec-Fetch-Site') || null,
  fetchDest: ctx.get('Sec-Fetch-Dest') || null,
});

/** The platform's tenant goes on ctx.state as soon as it is known: refusals are logged with it. */
const remember = (ctx: RouteContext) => (tenant: LaunchTenant) => {
  ctx.state.launchTenant = tenant;
};

/** One non-empty value of a form field, or a clear refusal. */
function field(form: URLSearchParams, name: string): string {
  const values = form.getAll(name);
  if (values.length !== 1 || values[0] === '') throw new WidgetError('validation_failed', `The launch must carry exactly one "${name}" field.`);
  return values[0]!;
}

export function ltiRoutes({ lti, tenants, pageAssets, renderApp }: LtiRouteDeps): RouteSpec[] {
  async function login(ctx: RouteContext, get: (name: string) => string[]) {
    const started = await lti.login(readLoginParams(get));
    if (started.storage === null) {
      // The redirect goes to the registered platform's own endpoint, never to a URL from the request.
      ctx.redirect(started.redirectUrl);
      return;
    }
    const tenant = await tenants.find(ltiTenantIssuer(started.tenantId));
    const { html, csp } = renderLtiStoragePage({
      mode: 'put',
      target: started.storage.target,
      origin: started.platformOrigin,
      key: started.storage.key,
      value: started.storage.secret,
      next: started.redirectUrl,
      frameAncestors: tenant?.origins ?? [],
    });
    ctx.set('Content-Security-Policy', csp);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  }

  async function open(ctx: RouteContext, { opened, claims }: LtiOpened) {
    await sendWidgetPage(ctx, { pageAssets, renderApp }, opened, {
      theme: 'auto',
      noHostSdk: true,
      ...(claims.contextLabel !== null ? { contextLabel: claims.contextLabel } : {}),
      ...(claims.locale !== null ? { locale: claims.locale } : {}),
    });
  }

  return [
    {
      // Every LMS's registration form asks for the tool's keys. The tool calls no LTI service
      // (grades, rosters, Deep Linking) yet, so it has none to publish: an empty set.
      method: 'GET',
      path: LTI_JWKS_PATH,
      access: 'public',
      handler(ctx) {
        ctx.body = { keys: [] };
      },
    },
    {
      method: 'GET',
      path: LTI_LOGIN_PATH,
      access: 'launch',
      page: true,
      async handler(ctx) {
        const query = new URLSearchParams(ctx.querystring);
        await login(ctx, (name) => query.getAll(name));
      },
    },
    {
      method: 'POST',
      path: LTI_LOGIN_PATH,
      access: 'launch',
      page: true,
      async handler(ctx) {
        const form = await readForm(ctx);
        await login(ctx, (name) => form.getAll(name));
      },
    },
    {
      // The redirect URI: the platform's authorization page form-posts the id_token here.
      method: 'POST',
      path: LTI_LAUNCH_PATH,
      access: 'launch',
      page: true,
      async handler(ctx) {
        const form = await readForm(ctx);
        const error = form.get('error');
        if (error !== null) {
          throw new WidgetError('lti_platform_refused', `The LMS refused the login ("${error.replace(/[^\w.-]/g, '').slice(0, 64)}"); open the tool again from the course, signed in to the LMS.`);
        }
        const result = await lti.launch({ idToken: field(form, 'id_token'), state: field(form, 'state') }, sourceOf(ctx), remember(ctx));
        if ('opened' in result) {
          await open(ctx, result);
          return;
        }
        // Its own post to /lti/launch/finish then carries our origin (no-referrer would make it "null").
        ctx.set('Referrer-Policy', 'same-origin');
        const { html, csp } = renderLtiStoragePage({ mode: 'get', ...result.storage, idToken: result.idToken, state: result.state, finishPath: LTI_FINISH_PATH, frameAncestors: result.frameAncestors });
        ctx.set('Content-Security-Policy', csp);
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = html;
      },
    },
    {
      method: 'POST',
      path: LTI_FINISH_PATH,
      access: 'launch',
      page: true,
      async handler(ctx) {
        const form = await readForm(ctx);
        const input = { idToken: field(form, 'id_token'), state: field(form, 'state'), browserSecret: field(form, 'browser_state') };
        await open(ctx, await lti.finish(input, sourceOf(ctx), remember(ctx)));
      },
    },
  ];
}
