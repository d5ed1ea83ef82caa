import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerHs256Tenant, type HsTenant } from '../../../server/admin/tenants.ts';
import { loadConfig } from '../../../server/config.ts';
import { createDb, migrateLatest } from '../../../server/db/connect.ts';
import { openSecretBox } from '../../../server/secrets/secretsKey.ts';
import { startOnFreePorts, startServerProcess as startProcess, type ServerProcess as Process } from '../../../support/serverProcess.ts';
import { signHs256 } from '../../../support/signJwt.ts';
import { createTestDatabase, type TestDatabaseKind } from '../../helpers/testDatabase.ts';
import { TEST_SERVER_BUNDLE } from '../../helpers/testServerBundle.ts';

// The real server as a child process on loopback (the run's server bundle, see
// testServerBundle.ts), so a test can kill it, restart it on the same database
// and watch its memory and logs. Started through support/serverProcess.ts.

export const HOST_ORIGIN = 'https://host.example';

export interface ServerProcess {
  url: string;
  port: number;
  /** The development harness this process serves too (unless env sets HARNESS_PORT=off). */
  harnessUrl: string;
  pid: number;
  /** What launch tokens must carry as `aud` (the server's PUBLIC_URL). */
  audience: string;
  /** stdout and stderr interleaved. */
  output(): string;
  /** stdout alone: the structured log, one JSON object per line. */
  stdout(): string;
  /** Every stdout line that parsed as JSON: the structured log. */
  logRecords(): Array<Record<string, unknown>>;
  /** Resident set size from /proc, or null where there is no /proc. */
  rssBytes(): number | null;
  signal(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after 12 s (past the server's own 10 s grace). */
  stop(): Promise<void>;
}

export interface PreparedDatabase {
  /** DATABASE_URL (and DATABASE_SCHEMA, SECRETS_KEY on PostgreSQL) for the server. */
  env: Record<string, string>;
  /** The SQLite file (null on PostgreSQL). */
  dbFile: string | null;
  /** A temp folder of the test's own (the SQLite file lives there). */
  dir: string;
  tenants: HsTenant[];
  /** Removes the folder and, on PostgreSQL, the schema. */
  drop(): Promise<void>;
}

/**
 * A fresh database, migrated, with HS256 tenants registered before any server
 * opens it: a SQLite file (the server finds the development secrets key beside
 * it), or a PostgreSQL schema of its own.
 */
export async function prepareDatabase(issuers: string[] = ['load-host'], kind: TestDatabaseKind = 'sqlite'): Promise<PreparedDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-rel-'));
  const dbFile = kind === 'sqlite' ? path.join(dir, 'widget.sqlite') : null;
  const schema = kind === 'pg' ? await createTestDatabase('pg') : null;
  const env = schema ? schema.env : { DATABASE_URL: `sqlite:${dbFile}` };
  const drop = async () => {
    await schema?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const config = loadConfig(env);
  const db = createDb(config.database);
  try {
    const { box } = openSecretBox(config.secrets);
    await migrateLatest(db, box);
    const tenants: HsTenant[] = [];
    for (const issuer of issuers) tenants.push(await registerHs256Tenant(db, box, { issuer, origins: [HOST_ORIGIN], now: Date.now() }));
    return { env, dbFile, dir, tenants, drop };
  } catch (err) {
    await drop();
    throw err;
  } finally {
    await db.destroy();
  }
}

/**
 * `dbFile` (SQLite) or `database` (a prepared database's env); `port`: reuse a
 * previous process's port, as a restart does (session tokens name the origin
 * they are for); `ready`: harness paths that must answer too (the harness
 * starts listening just after the widget server answers /healthz).
 */
export async function startServerProcess(options: {
  dbFile?: string;
  database?: Record<string, string>;
  env?: Record<string, string>;
  port?: number;
  ready?: string[];
}): Promise<ServerProcess> {
  const databaseEnv = options.database ?? { DATABASE_URL: `sqlite:${options.dbFile}` };
  return startOnFreePorts(2, async ([freeA, harnessPort]) => {
    const port = options.port ?? freeA!;
    const url = `http://127.0.0.1:${port}`;
    const harnessUrl = `http://127.0.0.1:${harnessPort}`;
    const child: Process = await startProcess({
      command: { script: TEST_SERVER_BUNDLE },
      env: { NODE_ENV: 'development', PORT: String(port), HARNESS_PORT: String(harnessPort), ...databaseEnv, ...options.env },
      ready: [`${url}/healthz`, ...(options.ready ?? []).map((p) => harnessUrl + p)],
    });
    return {
      url,
      port,
      harnessUrl,
      pid: child.pid,
      audience: `http://localhost:${port}`,
      output: child.output,
      stdout: child.stdout,
      logRecords: child.logRecords,
      rssBytes: child.rssBytes,
      signal: child.signal,
      exited: child.exited,
      stop: () => child.stop(12_000),
    };
  });
}

/** A valid launch token for `tenant`, signed now (the child runs on the real clock). */
export function launchTokenFor(server: Pick<ServerProcess, 'audience'>, tenant: HsTenant, claims: { sub: string; ctx?: string; name?: string } & Record<string, unknown>): string {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ iss: tenant.issuer, aud: server.audience, iat, exp: iat + 120, jti: crypto.randomUUID(), ctx: 'default', ...claims }, tenant.secret);
}

/** Opens a session through POST /api/session and returns its bearer token. */
export async function openSession(server: ServerProcess, tenant: HsTenant, claims: { sub: string; ctx?: string; name?: string }): Promise<{ token: string; userId: string }> {
  const response = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jwt: launchTokenFor(server, tenant, claims) }),
  });
  if (response.status !== 200) throw new Error(`POST /api/session: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { token: string; user: { id: string } };
  return { token: body.token, userId: body.user.id };
}
