import Koa from 'koa';
import type { WidgetAssets } from './assets/widgetAssets.ts';
import { createHostApiAuth } from './auth/launch/hostApiAuth.ts';
import { DEFAULT_JWKS_CACHE, JwksCache, type JwksCacheOptions } from './auth/launch/jwksCache.ts';
import { jwksFetchFor } from './auth/launch/jwksFetcher.ts';
import { TenantDirectory } from './auth/launch/tenantDirectory.ts';
import { createLtiService, type LtiService } from './auth/lti/ltiLaunch.ts';
import type { SessionKeyRing } from './auth/session/sessionKeyRing.ts';
import { createSessionService, type SessionService } from './auth/session/sessionService.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/connect.ts';
import { dbTenantSource } from './db/tenantSource.ts';
import { limitLaunchAttempts } from './http/limitLaunchAttempts.ts';
import { RateLimiter } from './http/rateLimit.ts';
import { requestEnvelope } from './http/requestEnvelope.ts';
import { requireHostToken } from './http/requireHostToken.ts';
import { requireSession } from './http/requireSession.ts';
import { methodRefusals, routerFor, type RouteSpec } from './http/route.ts';
import type { WidgetState } from './http/state.ts';
import { silentLogger, type Logger } from './logger.ts';
import { createWidgetMetrics, type WidgetMetrics } from './metrics/widgetMetrics.ts';
import type { SecretBox } from './secrets/secretBox.ts';
import { notesAppRenderer } from './page/renderNotesApp.tsx';
import { assetRoutes } from './routes/assets.ts';
import { healthRoutes } from './routes/health.ts';
import { hostApiRoutes } from './routes/hostApi.ts';
import { launchRoutes } from './routes/launch.ts';
import { createLiveUpdates, type LiveUpdates } from './live/liveUpdates.ts';
import { createNoteChanges } from './notes/noteChanges.ts';
import { ltiRoutes } from './routes/lti.ts';
import { notesRoutes } from './routes/notes.ts';
import { noteStreamRoutes } from './routes/noteStream.ts';
import { sessionRoutes } from './routes/session.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  clock: Clock;
  ring: SessionKeyRing;
  /** Opens the tenants' stored secrets. */
  secrets: SecretBox;
  assets: WidgetAssets;
  logger?: Logger;
  /** Where request, launch and rate-limit figures go (main.ts serves them on METRICS_PORT); a registry of the app's own by default. */
  metrics?: WidgetMetrics;
  /** JWKS fetching limits; tests shorten the timeouts. */
  jwks?: Partial<Omit<JwksCacheOptions, 'production'>>;
  /** Live updates (feed, stream limits); whoever creates it closes it at shutdown. Default: one for the configured database. */
  live?: LiveUpdates;
}

/** Every route the widget server answers, each declared with what it is (http/route.ts). */
export function appRoutes({ db, clock, assets, sessions, live, lti, tenants }: Pick<AppDeps, 'db' | 'clock' | 'assets'> & { sessions: SessionService; live: LiveUpdates; lti: LtiService; tenants: TenantDirectory }): RouteSpec[] {
  const renderApp = notesAppRenderer({ db, clock });
  return [
    // Before notes: /api/notes/stream is its own route, not a note id.
    ...noteStreamRoutes({ db, clock, sessions, live }),
    ...healthRoutes({ db }),
    ...launchRoutes({ sessions, pageAssets: assets.page, renderApp }),
    ...ltiRoutes({ lti, tenants, pageAssets: assets.page, renderApp }),
    ...sessionRoutes({ sessions }),
    ...notesRoutes({ db, clock, changes: createNoteChanges({ db, feed: live.feed }) }),
    ...hostApiRoutes({ db, clock }),
  ];
}

/** Composes middleware and routes; never listens (main.ts and tests do). */
export function createApp({ db, config, clock, ring, secrets, assets, logger = silentLogger, metrics = createWidgetMetrics({ db, clock }), jwks, live = createLiveUpdates(config, logger) }: AppDeps): Koa<WidgetState> {
  const jwksCache = new JwksCache({ ...DEFAULT_JWKS_CACHE, fetch: jwksFetchFor(config.production), ...jwks, production: config.production }, clock, logger);
  const tenants = new TenantDirectory(dbTenantSource(db, secrets), clock, { jwks: jwksCache, logger, ttlMs: config.cacheTtl * 1000, production: config.production });
  const perTenant = new RateLimiter(clock, config.launchRatePerTenant, { onRefused: () => metrics.countRateLimited('per_tenant') });
  const perIp = new RateLimiter(clock, config.launchRatePerIp, { onRefused: () => metrics.countRateLimited('per_address') });
  const sessions = createSessionService({
    db,
    config,
    clock,
    ring,
    tenants,
    launchBudget: {
      ensureRoom: (tenant) => perTenant.ensureRoom(tenant.id, 'launches for this host platform'),
      spend: (tenant) => perTenant.spend(tenant.id),
    },
  });

  // Only the addresses our own proxies appended are trusted: the left part of
  // X-Forwarded-For is whatever the client wrote (ctx.ip is the hops-th from the right).
  const app = new Koa<WidgetState>({ proxy: config.trustProxyHops > 0, maxIpsCount: config.trustProxyHops });
  // Errors are answered by errorHandler; Koa's own handler would print stacks for them.
  app.silent = true;

  app.use(requestEnvelope({ logger, metrics }));
  app.use(assetRoutes(assets));
  const authenticateHostCall = createHostApiAuth({ db, clock, clockSkew: config.clockSkew, findTenant: (issuer) => tenants.find(issuer), keysFor: (t, header) => tenants.keysFor(t, header) });
  const guards = {
    launch: [limitLaunchAttempts(perIp)],
    session: [requireSession(sessions)],
    // Host API calls are unauthenticated until their signature is checked: they share the launch budget per address.
    host: [limitLaunchAttempts(perIp), requireHostToken(authenticateHostCall, config.publicUrl)],
  };
  const lti = createLtiService({ db, clock, publicUrl: config.publicUrl, clockSkew: config.clockSkew, tenants, jwks: jwksCache, sessions });
  const router = routerFor(appRoutes({ db, clock, assets, sessions, live, lti, tenants }), guards);
  app.use(router.routes());
  app.use(router.allowedMethods(methodRefusals));
  return app;
}
