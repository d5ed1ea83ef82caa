import { ensureDevTenant } from './admin/tenants.ts';
import { createApp } from './app.ts';
import { ensureWidgetBuild } from './assets/widgetBuild.ts';
import { loadWidgetAssets } from './assets/widgetAssets.ts';
import { SessionKeyRing } from './auth/session/sessionKeyRing.ts';
import { systemClock } from './clock.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createDb } from './db/connect.ts';
import { purgeExpiredLaunchJtis } from './db/launchJtis.ts';
import { prepareDatabase } from './db/prepareDatabase.ts';
import { deleteEndedSessions, revokeHostUserSessions } from './db/sessions.ts';
import { signingKeyStore } from './db/signingKeys.ts';
import { createHarnessApp } from './harness/harnessApp.ts';
import { closeGracefully, createHttpServer, listen } from './http/httpServer.ts';
import { jsonLogger } from './logger.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = jsonLogger();
  const clock = systemClock;

  if (!config.production) await ensureWidgetBuild((m) => console.error(m));
  const assets = loadWidgetAssets();

  const db = createDb(config.database);
  await prepareDatabase(db, config);
  const ring = await new SessionKeyRing(signingKeyStore(db), clock, config.cacheTtl * 1000).init();

  const app = createApp({ db, config, clock, ring, assets, logger });
  const server = createHttpServer(app.callback(), logger);
  await listen(server, { port: config.port, host: config.host, portVariable: 'PORT', hostVariable: 'HOST' });

  const servers = [server];
  const lines = [`widget server: ${config.publicUrl}  (listening on ${config.host}:${config.port})`];
  if (config.harnessPort !== null) {
    const harnessOrigin = `http://127.0.0.1:${config.harnessPort}`;
    const tenant = await ensureDevTenant(db, harnessOrigin, clock.now());
    const harness = createHttpServer(
      createHarnessApp({
        widgetUrl: config.publicUrl,
        audience: config.audience,
        issuer: tenant.issuer,
        secret: tenant.secret,
        clock,
        revokeSessionsOf: (sub) => revokeHostUserSessions(db, tenant.id, sub, clock.now()),
      }).callback(),
      logger,
    );
    await listen(harness, { port: config.harnessPort, host: '127.0.0.1', portVariable: 'HARNESS_PORT' });
    servers.push(harness);
    lines.push(`harness (fake host platform): ${harnessOrigin}/  <- open this in a browser`);
  }
  console.error(lines.join('\n'));

  // Upkeep every node may run: forget spent jtis and ended sessions, rotate and retire session keys.
  // A node may go on signing with a retired key until it rereads the ring
  // (CACHE_TTL): keep that key long enough for the tokens it signed then.
  const tokenLifetimeMs = (config.sessionTtl + config.clockSkew + config.cacheTtl) * 1000;
  const maintenance = setInterval(() => {
    purgeExpiredLaunchJtis(db, clock.now())
      .then(() => deleteEndedSessions(db, clock.now()))
      .then(() => ring.maintain(config.sessionKeyMaxAge * 1000, tokenLifetimeMs))
      .then(({ rotated, removed }) => {
        if (rotated || removed > 0) logger.info('session_keys_maintained', { rotated, removed });
      })
      .catch((err: unknown) => logger.error('maintenance_failed', { error: String(err) }));
  }, 60_000);
  maintenance.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutdown', { signal });
    clearInterval(maintenance);
    const force = setTimeout(() => {
      logger.error('shutdown_timeout', { graceMs: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    await Promise.all(servers.map(closeGracefully));
    await db.destroy();
    logger.info('stopped', { signal });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('The widget server could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
