import crypto from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { OpenedSession, SessionService } from '../auth/sessionService.ts';
import { WidgetError } from '../errors.ts';
import { readForm } from '../http/readBody.ts';
import { renderWidgetPage, widgetPageCsp, type WidgetPageAssets } from '../page/renderWidgetPage.ts';

export interface LaunchRouteDeps {
  sessions: SessionService;
  pageAssets: WidgetPageAssets;
  /** Adds server-rendered content (e.g. the first page of notes) to the widget page. */
  renderApp?: (opened: OpenedSession) => Promise<{ html: string; data: Record<string, unknown> }>;
}

/** What the widget reads from <script id="widget-bootstrap">; versioned so old pages fail clearly. */
export interface WidgetBootstrap {
  v: 1;
  token: string;
  expiresAt: string;
  user: { id: string; name: string | null };
  context: string;
  /** Host origins the widget may talk to with postMessage. */
  hostOrigins: string[];
  /** Colour scheme the host asked for; 'auto' follows prefers-color-scheme. */
  theme: Theme;
  [extra: string]: unknown;
}

const THEMES = ['light', 'dark', 'auto'] as const;
type Theme = (typeof THEMES)[number];
const themeFrom = (value: unknown): Theme => (THEMES as readonly unknown[]).includes(value) ? (value as Theme) : 'auto';

export function launchRoutes({ sessions, pageAssets, renderApp }: LaunchRouteDeps): Router {
  const router = new Router();

  async function launch(ctx: Context, jwt: unknown, theme: unknown) {
    if (typeof jwt !== 'string' || jwt === '') {
      throw new WidgetError('validation_failed', 'The launch request has no "jwt" field; post the signed launch token as form field "jwt".');
    }
    const opened = await sessions.open(jwt);
    const rendered = renderApp ? await renderApp(opened) : { html: '', data: {} };
    const bootstrap: WidgetBootstrap = {
      v: 1,
      token: opened.token,
      expiresAt: opened.expiresAt,
      user: opened.user,
      context: opened.context,
      hostOrigins: opened.tenant.origins,
      theme: themeFrom(theme),
      ...rendered.data,
    };
    const nonce = crypto.randomBytes(16).toString('base64');
    ctx.set('Content-Security-Policy', widgetPageCsp(nonce, opened.tenant.origins));
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderWidgetPage({ nonce, bootstrap, assets: pageAssets, appHtml: rendered.html });
  }

  router.post('/launch', async (ctx) => {
    const form = await readForm(ctx);
    await launch(ctx, form.get('jwt'), form.get('theme'));
  });

  // Atlassian-Connect style; POST is preferred because it keeps the token out of URLs.
  router.get('/launch', async (ctx) => {
    await launch(ctx, ctx.query.jwt, ctx.query.theme);
  });

  return router;
}
