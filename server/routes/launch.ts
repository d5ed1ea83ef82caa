import crypto from 'node:crypto';
import { BOOTSTRAP_VERSION, themeFrom, type WidgetBootstrap } from '../../contract/bootstrap.ts';
import { canonicalLocale } from '../../contract/display.ts';
import type { LaunchDoor } from '../auth/launch/launchSource.ts';
import type { LaunchAttempt, OpenedSession, SessionService } from '../auth/session/sessionService.ts';
import { WidgetError } from '../errors.ts';
import { readForm } from '../http/readBody.ts';
import { sendParts } from '../http/sendParts.ts';
import type { RouteSpec } from '../http/route.ts';
import type { RouteContext } from '../http/state.ts';
import type { AppRenderer } from '../page/renderNotesApp.tsx';
import { pictureOrigins, widgetPageClosing, widgetPageCsp, widgetPageOpening, type LaunchBootstrap, type WidgetPageAssets } from '../page/renderWidgetPage.ts';

export interface LaunchRouteDeps {
  sessions: SessionService;
  pageAssets: WidgetPageAssets;
  renderApp: AppRenderer;
}

/** The request a launch token arrived with (for its optional "qsh" claim), and what the browser said about it. */
const launchAttemptOf = (ctx: RouteContext, door: LaunchDoor): LaunchAttempt => ({
  request: { method: ctx.method, path: ctx.path, query: ctx.querystring },
  door,
  source: { origin: ctx.get('Origin') || null, fetchSite: ctx.get('Sec-Fetch-Site') || null, fetchDest: ctx.get('Sec-Fetch-Dest') || null },
});

/**
 * Opens a session for the launch token `jwt` that arrived with this request
 * through `door`; the tenant goes on ctx.state as soon as it is known.
 */
export const openSessionFor = (sessions: SessionService, ctx: RouteContext, jwt: string, door: LaunchDoor) =>
  sessions.open(jwt, launchAttemptOf(ctx, door), (tenant) => {
    ctx.state.launchTenant = tenant;
  });

/** Answers with the widget page for a session just opened (by /launch or an LTI launch). */
export async function sendWidgetPage(
  ctx: RouteContext,
  { pageAssets, renderApp }: Pick<LaunchRouteDeps, 'pageAssets' | 'renderApp'>,
  opened: OpenedSession,
  extra: Pick<WidgetBootstrap, 'theme' | 'noHostSdk' | 'contextLabel' | 'locale'>,
): Promise<void> {
  const { appOpening, thread } = await renderApp(opened, extra);
  const bootstrap: LaunchBootstrap = {
    v: BOOTSTRAP_VERSION,
    token: opened.token,
    expiresAt: opened.expiresAt,
    user: opened.user,
    context: opened.context,
    hostOrigins: opened.tenant.origins,
    ...extra,
  };
  const nonce = crypto.randomBytes(16).toString('base64');
  const images = [...new Set([...pictureOrigins([opened.user]), ...thread.pictureOrigins])];
  ctx.set('Content-Security-Policy', widgetPageCsp(nonce, opened.tenant.origins, images));
  ctx.type = 'text/html; charset=utf-8';
  // Only the two ends are made (and compressed) per launch; the thread's part was made once (renderWidgetPage.ts).
  sendParts(ctx, [widgetPageOpening({ nonce, theme: extra.theme, assets: pageAssets, appOpening }), thread.part, widgetPageClosing({ nonce, assets: pageAssets, bootstrap })]);
}

export function launchRoutes({ sessions, pageAssets, renderApp }: LaunchRouteDeps): RouteSpec[] {
  async function launch(ctx: RouteContext, jwt: unknown, theme: unknown, pageLocale: unknown) {
    if (Array.isArray(jwt)) {
      // Two tokens in one request: which one a proxy or qsh saw is ambiguous.
      throw new WidgetError('validation_failed', 'The launch request has more than one "jwt" field; send exactly one launch token.');
    }
    if (typeof jwt !== 'string' || jwt === '') {
      throw new WidgetError('validation_failed', 'The launch request has no "jwt" field; post the signed launch token as form field "jwt".');
    }
    const opened = await openSessionFor(sessions, ctx, jwt, 'page');
    // The signed claim wins over the page's option; an unreadable option is dropped (the browser's language applies).
    const locale = opened.locale ?? canonicalLocale(pageLocale) ?? undefined;
    const display = { ...(locale ? { locale } : {}), ...(opened.contextLabel ? { contextLabel: opened.contextLabel } : {}) };
    await sendWidgetPage(ctx, { pageAssets, renderApp }, opened, { theme: themeFrom(theme), ...display });
  }

  return [
    {
      method: 'POST',
      path: '/launch',
      access: 'launch',
      page: true,
      async handler(ctx) {
        const form = await readForm(ctx);
        const jwts = form.getAll('jwt');
        await launch(ctx, jwts.length > 1 ? jwts : jwts[0], form.get('theme'), form.get('locale'));
      },
    },
    {
      // Atlassian-Connect style; POST is preferred because it keeps the token out of URLs.
      method: 'GET',
      path: '/launch',
      access: 'launch',
      page: true,
      async handler(ctx) {
        await launch(ctx, ctx.query.jwt, ctx.query.theme, ctx.query.locale);
      },
    },
  ];
}
