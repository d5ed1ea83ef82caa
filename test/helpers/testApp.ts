import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerHs256Tenant, registerTenant, type KeyInput } from '../../server/admin/tenants.ts';
import { createApp, type AppDeps } from '../../server/app.ts';
import { loadWidgetAssets } from '../../server/assets/widgetAssets.ts';
import { SessionKeyRing } from '../../server/auth/session/sessionKeyRing.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { createDb, migrateLatest, type Db } from '../../server/db/connect.ts';
import { signingKeyStore } from '../../server/db/signingKeys.ts';
import { silentLogger, type Logger } from '../../server/logger.ts';
import { createLiveUpdates, type LiveUpdates } from '../../server/live/liveUpdates.ts';
import { createWidgetMetrics, type WidgetMetrics } from '../../server/metrics/widgetMetrics.ts';
import { FakeClock } from './fakeClock.ts';
import { signHs256 } from '../../support/signJwt.ts';
import { createTestDatabase, secretBoxFor, type TestDatabaseKind } from './testDatabase.ts';
import { bootstrapOf } from './launchPage.ts';
import type { SecretBox } from '../../server/secrets/secretBox.ts';

export const HOST_ORIGIN = 'https://host.example';

export interface TestTenant {
  id: string;
  issuer: string;
  secret: string;
}

export interface TestApp {
  url: string;
  db: Db;
  /** SQLite, or PostgreSQL (a schema of its own) when the suite runs with TEST_DATABASE=pg. */
  databaseKind: TestDatabaseKind;
  clock: FakeClock;
  config: Config;
  ring: SessionKeyRing;
  /** Seals and opens the secrets this app stores. */
  secrets: SecretBox;
  /** What the app counts, as /metrics would serve it: `await metrics.registry.metrics()`. */
  metrics: WidgetMetrics;
  /** The node's live updates: its stream limits (`live.limits.open`) and feed. */
  live: LiveUpdates;
  tenant: TestTenant;
  addTenant(issuer: string, origins?: string[]): Promise<TestTenant>;
  /** A tenant registered with a public key or JWKS URL (no shared secret). */
  addTenantWithKey(issuer: string, key: KeyInput): Promise<{ id: string; issuer: string }>;
  /** Claims of a valid launch for `issuer`, now; `overrides` as for launchToken. */
  launchClaims(issuer: string, overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A launch token for the default tenant, valid now; `overrides` replace or (with undefined) delete claims. */
  launchToken(overrides?: Record<string, unknown>, tenant?: TestTenant): string;
  /** POST /launch and return the session token from the bootstrap block. */
  launch(overrides?: Record<string, unknown>, tenant?: TestTenant): Promise<{ token: string; bootstrap: Record<string, any>; response: Response; html: string }>;
  api(method: string, path: string, token?: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** A real app over HTTP on a fresh database of its own (`options.env.DATABASE_URL` picks one explicitly). */
export async function startTestApp(options: { env?: Record<string, string>; logger?: Logger; jwks?: AppDeps['jwks'] } = {}): Promise<TestApp> {
  const database = options.env?.DATABASE_URL ? null : await createTestDatabase();
  // Suites launch far more often than a person; rate limits get their own tests.
  const config = loadConfig({
    NODE_ENV: 'test',
    ...database?.env,
    LAUNCH_RATE_PER_IP: '1000000',
    LAUNCH_RATE_PER_TENANT: '1000000',
    ...options.env,
  });
  const secrets = secretBoxFor({ ...database?.env, ...options.env });
  const db = createDb(config.database);
  await migrateLatest(db, secrets);
  const clock = new FakeClock();
  const ring = await new SessionKeyRing(signingKeyStore(db, secrets), clock, config.cacheTtl * 1000).init();
  const metrics = createWidgetMetrics({ db, clock });
  const live = createLiveUpdates(config, options.logger ?? silentLogger);
  const app = createApp({ db, config, clock, ring, secrets, assets: loadWidgetAssets(), logger: options.logger, metrics, jwks: options.jwks, live });
  const server = http.createServer(app.callback());
  // fetch keeps connections alive between a test's requests; with Node's 5 s
  // server default, a busy machine that pauses longer between two requests
  // has the server close the connection just as fetch reuses it (ECONNRESET on
  // a POST, which fetch does not retry). Tests close every connection at the end.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addTenant = async (issuer: string, origins = [HOST_ORIGIN]): Promise<TestTenant> => {
    const t = await registerHs256Tenant(db, secrets, { issuer, origins, now: clock.now() });
    return { id: t.id, issuer: t.issuer, secret: t.secret };
  };
  const tenant = await addTenant('test-host');

  const addTenantWithKey = async (issuer: string, key: KeyInput) => {
    const t = await registerTenant(db, secrets, { issuer, origins: [HOST_ORIGIN], now: clock.now(), key });
    return { id: t.id, issuer: t.issuer };
  };

  const launchClaims = (issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const iat = clock.nowSec();
    const claims: Record<string, unknown> = { iss: issuer, aud: config.audience, sub: 'user-1', name: 'Ada Lovelace', ctx: 'page:42', iat, exp: iat + 60, jti: crypto.randomUUID() };
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete claims[k];
      else claims[k] = v;
    }
    return claims;
  };

  const launchToken = (overrides: Record<string, unknown> = {}, t: TestTenant = tenant): string => signHs256(launchClaims(t.issuer, overrides), t.secret);

  const launch: TestApp['launch'] = async (overrides, t) => {
    const response = await fetch(`${url}/launch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ jwt: launchToken(overrides, t) }),
    });
    const html = await response.text();
    const bootstrap = bootstrapOf(html);
    if (!bootstrap) throw new Error(`launch failed: ${response.status} ${html.slice(0, 300)}`);
    return { token: bootstrap.token as string, bootstrap, response, html };
  };

  const api: TestApp['api'] = (method, p, token, body) =>
    fetch(`${url}${p}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  return {
    url,
    db,
    databaseKind: config.database.client === 'pg' ? 'pg' : 'sqlite',
    clock,
    config,
    ring,
    secrets,
    metrics,
    live,
    tenant,
    addTenant,
    addTenantWithKey,
    launchClaims,
    launchToken,
    launch,
    api,
    async close() {
      await live.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.destroy();
      await database?.drop();
    },
  };
}
