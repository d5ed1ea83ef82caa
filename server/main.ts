import { ensureDevLtiPlatform, refuseDevLtiPlatform } from './admin/ltiPlatforms.ts';
import { ensureDevTenant, refuseDevTenant } from './admin/tenants.ts';
import { createApp } from './app.ts';
import { createLiveUpdates } from './live/liveUpdates.ts';
import { ensureWidgetBuild } from './assets/widgetBuild.ts';
import { loadWidgetAssets } from './assets/widgetAssets.ts';
import { SessionKeyRing } from './auth/session/sessionKeyRing.ts';
import { systemClock } from './clock.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createDb } from './db/connect.ts';
import { purgeExpiredLaunchJtis } from './db/launchJtis.ts';
import { purgeExpiredLtiStates } from './db/ltiStates.ts';
import { purgeNoteEventsBefore } from './db/noteEvents.ts';
import { describeDatabase, prepareDatabase } from './db/prepareDatabase.ts';
import { deleteEndedSessions, revokeHostUserSessions } from './db/sessions.ts';
import { signingKeyStore } from './db/signingKeys.ts';
import { createHarnessApp, harnessHosts } from './harness/harnessApp.ts';
import { createLtiHarnessApp, DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT } from './harness/ltiHarnessApp.ts';
import { closeGracefully, createHttpServer, listen } from './http/httpServer.ts';
import { jsonLogger } from './logger.ts';
import { createMetricsApp } from './metrics/metricsApp.ts';
import { createWidgetMetrics } from './metrics/widgetMetrics.ts';
import { openSecretBox } from './secrets/secretsKey.ts';
import { logUnhandledRejections } from './unhandledRejections.ts';
import { APP_VERSION } from './version.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = jsonLogger(undefined, { level: config.logLevel, coalesce: true });
  logUnhandledRejections(process, logger);
  // stdout is where the log (audit lines included) goes. If its reader goes away (the
  // log collector died: EPIPE), Node's default is to crash, dropping every request in
  // flight. Serving on without an audit trail is no better: finish what is in flight,
  // say why on stderr, and exit 1 so the supervisor restarts the node with a log.
  let onStdoutLost = (): void => process.exit(1);
  let stdoutLost = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (stdoutLost) return;
    stdoutLost = true;
    console.error(`The widget server's log output (stdout) failed (${err.code ?? err.message}): stopping, so that no request is served without its log lines.`);
    onStdoutLost();
  });
  const clock = systemClock;
  logger.info('starting', { version: APP_VERSION, pid: process.pid, node: process.version, production: config.production });

  if (!config.production) await ensureWidgetBuild((m) => console.error(m));
  const assets = loadWidgetAssets();

  const database = describeDatabase(config.database);
  logger.info('database', { database });
  // First: it says in words what is wrong with a SQLite path, which the development key file shares.
  const db = createDb(config.database);
  const { box: secrets, source: secretsSource } = openSecretBox(config.secrets);
  const { migrated } = await prepareDatabase(db, { ...config, secrets });
  if (migrated.length > 0) logger.info('migrated', { database, migrations: migrated });
  if (config.production) {
    await refuseDevTenant(db);
    await refuseDevLtiPlatform(db, DEV_LMS_CLIENT_ID);
  }
  const ring = await new SessionKeyRing(signingKeyStore(db, secrets), clock, config.cacheTtl * 1000, logger).init();

  const metrics = createWidgetMetrics({ db, clock, processMetrics: config.metrics !== null });
  // Created here, not by createApp, so shutdown can end the open streams and the feed's connection.
  const live = createLiveUpdates(config, logger);
  const app = createApp({ db, config, clock, ring, secrets, assets, logger, metrics, live });
  const server = createHttpServer(app.callback(), logger);
  await listen(server, { port: config.port, host: config.host, portVariable: 'PORT', hostVariable: 'HOST' });
  const servers = [server];
  const listening: Record<string, string> = { url: config.publicUrl, address: `${config.host}:${config.port}` };
  logger.info('secrets', { keyId: secrets.keyId, source: secretsSource });
  const lines = [
    `widget server: ${config.publicUrl}  (listening on ${config.host}:${config.port})`,
    `stored secrets sealed with key id ${secrets.keyId} from ${secretsSource}`,
  ];

  if (config.metrics !== null) {
    const metricsServer = createHttpServer(createMetricsApp(metrics, logger).callback(), logger);
    await listen(metricsServer, { ...config.metrics, portVariable: 'METRICS_PORT', hostVariable: 'METRICS_HOST' });
    servers.push(metricsServer);
    listening.metrics = `http://${config.metrics.host}:${config.metrics.port}/metrics`;
    lines.push(`metrics (Prometheus): ${listening.metrics}`);
  }

  if (config.harnessPort !== null) {
    const harnessOrigin = `http://127.0.0.1:${config.harnessPort}`;
    const tenant = await ensureDevTenant(db, secrets, harnessOrigin, clock.now());
    logger.info('dev_tenant', { issuer: tenant.issuer, tenantId: tenant.id, origins: tenant.origins });
    const harness = createHttpServer(
      createHarnessApp({
        widgetUrl: config.publicUrl,
        audience: config.audience,
        issuer: tenant.issuer,
        secret: tenant.secret,
        clock,
        revokeSessionsOf: (sub) => revokeHostUserSessions(db, tenant.id, sub, clock.now()),
        hosts: harnessHosts(config.harnessPort),
      }).callback(),
      logger,
    );
    await listen(harness, { port: config.harnessPort, host: '127.0.0.1', portVariable: 'HARNESS_PORT' });
    servers.push(harness);
    listening.harness = `${harnessOrigin}/`;
    lines.push(`harness (fake host platform): ${harnessOrigin}/  <- open this in a browser`);
  }
  if (config.ltiHarnessPort !== null) {
    const origin = `http://127.0.0.1:${config.ltiHarnessPort}`;
    const platform = await ensureDevLtiPlatform(db, { origin, clientId: DEV_LMS_CLIENT_ID, deploymentId: DEV_LMS_DEPLOYMENT, now: clock.now() });
    logger.info('dev_lti_platform', { issuer: platform.issuer, tenantId: platform.id });
    const lms = createHttpServer(
      createLtiHarnessApp({ widgetUrl: config.publicUrl, origin, clientId: DEV_LMS_CLIENT_ID, deploymentId: DEV_LMS_DEPLOYMENT, clock, hosts: harnessHosts(config.ltiHarnessPort) }).callback(),
      logger,
    );
    await listen(lms, { port: config.ltiHarnessPort, host: '127.0.0.1', portVariable: 'LTI_HARNESS_PORT' });
    servers.push(lms);
    listening.ltiHarness = `${origin}/`;
    lines.push(`LTI harness (fake LMS, LTI 1.3): ${origin}/  <- the widget launched from a course page`);
  }
  logger.info('listening', listening);
  console.error(lines.join('\n'));

  // Upkeep every node may run: forget spent jtis, ended sessions and note changes no stream can
  // resume from any more; rotate and retire session keys.
  // A node may go on signing with a retired key until it rereads the ring
  // (CACHE_TTL): keep that key long enough for the tokens it signed then.
  const tokenLifetimeMs = (config.sessionTtl + config.clockSkew + config.cacheTtl) * 1000;
  // A stream resumes from an id its session's page or stream gave it, and no session lives
  // longer than SESSION_MAX_AGE: older changes are never asked for (and if they were, the
  // stream answers `reset` and the widget reloads its first page).
  const noteEventRetentionMs = (config.sessionMaxAge + config.sessionTtl + config.clockSkew) * 1000;
  const maintenance = setInterval(() => {
    purgeExpiredLaunchJtis(db, clock.now())
      .then(() => purgeExpiredLtiStates(db, clock.now()))
      .then(() => deleteEndedSessions(db, clock.now()))
      .then(() => purgeNoteEventsBefore(db, clock.now() - noteEventRetentionMs))
      .then(() => ring.maintain(config.sessionKeyMaxAge * 1000, tokenLifetimeMs))
      .then(({ rotated, removed }) => {
        if (rotated || removed > 0) logger.audit('session_keys_maintained', { rotated, removed });
      })
      .catch((err: unknown) => logger.error('maintenance_failed', { error: String(err) }));
  }, 60_000);
  maintenance.unref();

  let stopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutdown', { signal });
    clearInterval(maintenance);
    const force = setTimeout(() => {
      logger.error('shutdown_timeout', { graceMs: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Streams never finish by themselves: end them (clients resume on another node), then drain.
    const closingLive = live.close();
    await Promise.all(servers.map(closeGracefully));
    await closingLive;
    await db.destroy();
    logger.info('stopped', { signal });
    process.exit(exitCode);
  };
  onStdoutLost = () => void stop('stdout_closed', 1);
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  const reason = err instanceof ConfigError ? err.problems.join('; ') : err instanceof Error ? err.message : String(err);
  // For the log pipeline (stdout) and for the person at the terminal (stderr), each in its own form.
  jsonLogger().error('startup_failed', { reason });
  console.error(err instanceof ConfigError ? err.message : `The widget server could not start: ${reason}`);
  process.exit(1);
});
