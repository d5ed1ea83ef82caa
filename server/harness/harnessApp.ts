import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import Router from '@koa/router';
import { v4 as uuidv4 } from 'uuid';
import { nowSeconds, type Clock } from '../clock.ts';
import { readJsonObject } from '../http/readBody.ts';
import { jsonForScriptElement } from '../page/escape.ts';
import { harnessPage } from './harnessPage.ts';

// A fake host platform for local development: its own origin (a different site
// from the widget), its own tiny backend that signs launch tokens, and a page
// that embeds the widget through the host SDK exactly as a real host would.

export interface HarnessDeps {
  widgetUrl: string;
  audience: string;
  issuer: string;
  secret: string;
  clock: Clock;
  /** Ends the widget sessions of a host user (what "expire now" and "sign out" do). */
  revokeSessionsOf(sub: string): Promise<number>;
  /** The Host header values it answers (its own names, see harnessHosts). */
  hosts: string[];
}

/** The names the harness on 127.0.0.1:`port` is reached by. */
export const harnessHosts = (port: number): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];

export interface LaunchRequest {
  sub: string;
  name?: string;
  ctx?: string;
  /** Claim `ctx_label`: what the host calls the context ("Page 42"). */
  ctxLabel?: string;
  /** Claim `locale`: the host user's language (BCP 47). */
  locale?: string;
  lifetime?: number;
}

export function signHarnessLaunch(deps: Pick<HarnessDeps, 'issuer' | 'audience' | 'secret' | 'clock'>, input: LaunchRequest): string {
  const iat = nowSeconds(deps.clock);
  const claims: Record<string, unknown> = {
    iss: deps.issuer,
    aud: deps.audience,
    sub: input.sub,
    iat,
    exp: iat + (input.lifetime ?? 60),
    jti: uuidv4(),
    ctx: input.ctx || 'default',
  };
  if (input.name) claims.name = input.name;
  if (input.ctxLabel) claims.ctx_label = input.ctxLabel;
  if (input.locale) claims.locale = input.locale;
  return jwt.sign(claims, crypto.createSecretKey(Buffer.from(deps.secret, 'utf8')), { algorithm: 'HS256' });
}

const text = (value: unknown, max = 255): string | undefined => (typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined);

export function createHarnessApp(deps: HarnessDeps): Koa {
  const app = new Koa();
  app.silent = true;
  // Strict and case-sensitive like the widget server's: /LAUNCH-TOKEN is not /launch-token.
  const router = new Router({ strict: true, sensitive: true });
  // Host users who "signed out" of the fake host: it refuses to sign launches for them.
  const signedOut = new Set<string>();

  const userFrom = async (ctx: Koa.Context): Promise<Record<string, unknown> & { sub: string }> => {
    const body = await readJsonObject(ctx);
    const sub = text(body.sub);
    if (!sub) throw Object.assign(new Error('sub is required'), { status: 400 });
    return { ...body, sub };
  };

  // DNS rebinding: a site whose name an attacker points at 127.0.0.1 would otherwise
  // be same-origin with this backend, which signs launch tokens for anyone who asks.
  const hosts = new Set(deps.hosts.map((host) => host.toLowerCase()));
  app.use(async (ctx, next) => {
    if (!hosts.has((ctx.request.header.host ?? '').toLowerCase())) {
      ctx.status = 421;
      ctx.body = { error: { message: `This development harness answers only ${deps.hosts.join(' and ')}.` } };
      return;
    }
    await next();
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = (err as { status?: number }).status ?? 400;
      ctx.body = { error: { message: err instanceof Error ? err.message : 'bad request' } };
    }
  });

  router.get('/', (ctx) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    ctx.set(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}' ${deps.widgetUrl}; style-src 'nonce-${nonce}'; connect-src 'self'; frame-src ${deps.widgetUrl}; form-action ${deps.widgetUrl}; base-uri 'none'`,
    );
    ctx.set('Cache-Control', 'no-store');
    // Like most host pages, it lets the browser send its origin: the widget binds a launch to it.
    ctx.set('Referrer-Policy', 'strict-origin');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = harnessPage(nonce, jsonForScriptElement({ widgetUrl: deps.widgetUrl }));
  });

  // The host backend's job in a real integration: sign a short launch token for the signed-in user.
  router.post('/launch-token', async (ctx) => {
    const user = await userFrom(ctx);
    if (signedOut.has(user.sub)) {
      ctx.status = 403;
      ctx.body = { error: { message: `${user.sub} is signed out of the host` } };
      return;
    }
    ctx.body = { jwt: signHarnessLaunch(deps, { sub: user.sub, name: text(user.name), ctx: text(user.ctx), ctxLabel: text(user.ctxLabel), locale: text(user.locale, 35) }) };
  });

  router.post('/expire-session', async (ctx) => {
    const { sub } = await userFrom(ctx);
    ctx.body = { revoked: await deps.revokeSessionsOf(sub) };
  });

  router.post('/sign-out', async (ctx) => {
    const { sub } = await userFrom(ctx);
    signedOut.add(sub);
    ctx.body = { revoked: await deps.revokeSessionsOf(sub) };
  });

  router.post('/sign-in', async (ctx) => {
    const { sub } = await userFrom(ctx);
    signedOut.delete(sub);
    ctx.body = { signedIn: sub };
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
