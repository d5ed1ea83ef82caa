import Koa from 'koa';
import type { WidgetAssets } from './assets/widgetAssets.ts';
import { DEFAULT_JWKS_CACHE, JwksCache, type JwksCacheOptions } from './auth/jwksCache.ts';
import type { SessionKeyRing } from './auth/sessionKeyRing.ts';
import { createSessionService } from './auth/sessionService.ts';
import { TenantDirectory } from './auth/tenantDirectory.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/connect.ts';
import { dbTenantSource } from './db/tenantSource.ts';
import { WidgetError } from './errors.ts';
import { errorHandler } from './http/errorHandler.ts';
import { requestLog } from './http/requestLog.ts';
import { limitLaunchAttempts } from './http/limitLaunchAttempts.ts';
import { RateLimiter } from './http/rateLimit.ts';
import { requireSession } from './http/requireSession.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { silentLogger, type Logger } from './logger.ts';
import { notesAppRenderer } from './page/renderNotesApp.tsx';
import { assetRoutes } from './routes/assets.ts';
import { healthRoutes } from './routes/health.ts';
import { launchRoutes } from './routes/launch.ts';
import { notesRoutes } from './routes/notes.ts';
import { PUBLIC_API_ROUTES, sessionRoutes } from './routes/session.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  clock: Clock;
  ring: SessionKeyRing;
  assets: WidgetAssets;
  logger?: Logger;
  /** JWKS fetching limits; tests shorten the timeouts. */
  jwks?: Partial<Omit<JwksCacheOptions, 'production'>>;
}

/** Composes middleware and routes; never listens (main.ts and tests do). */
export function createApp({ db, config, clock, ring, assets, logger = silentLogger, jwks }: AppDeps): Koa {
  const jwksCache = new JwksCache({ ...DEFAULT_JWKS_CACHE, ...jwks, production: config.production }, clock, logger);
  const tenants = new TenantDirectory(dbTenantSource(db), clock, { jwks: jwksCache, logger, ttlMs: config.cacheTtl * 1000 });
  const perTenant = new RateLimiter(clock, config.launchRatePerTenant);
  const perIp = new RateLimiter(clock, config.launchRatePerIp);
  const sessions = createSessionService({
    db,
    config,
    clock,
    ring,
    tenants,
    admitLaunch: (tenant) => perTenant.hit(tenant.id, 'launches for this host platform'),
  });

  const app = new Koa({ proxy: config.production });
  // Errors are answered by errorHandler; Koa's own handler would print stacks for them.
  app.silent = true;

  app.use(requestLog(logger));
  app.use(securityHeaders());
  app.use(errorHandler(logger));
  app.use(assetRoutes(assets));
  // Checked before any token work, so a flood costs a map lookup per request.
  app.use(limitLaunchAttempts(perIp));
  app.use(requireSession(sessions, PUBLIC_API_ROUTES));

  // Left alone, the routers answer an unknown method with 501 (a server error for
  // a client's mistake) and a wrong one with a plain-text 405.
  const wrongMethod = () => new WidgetError('not_found', 'There is nothing at this address for this method.');
  const methodRefusals = { throw: true, notImplemented: wrongMethod, methodNotAllowed: wrongMethod };

  const renderApp = notesAppRenderer({ db, clock });
  for (const router of [
    healthRoutes({ db }),
    launchRoutes({ sessions, pageAssets: assets.page, renderApp }),
    sessionRoutes({ sessions }),
    notesRoutes({ db, clock }),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods(methodRefusals));
  }
  return app;
}
