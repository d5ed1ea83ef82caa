import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerHs256Tenant, type HsTenant } from '../../../server/admin/tenants.ts';
import { loadConfig } from '../../../server/config.ts';
import { createDb, migrateLatest } from '../../../server/db/connect.ts';
import { openSecretBox } from '../../../server/secrets/secretsKey.ts';
import { freePort } from '../../helpers/ephemeralPort.ts';
import { signHs256 } from '../../helpers/signJwt.ts';

// The real server (server/main.ts) as a child process on loopback, so a test can
// kill it, restart it on the same database and watch its memory and logs.

export const HOST_ORIGIN = 'https://host.example';
const ROOT = path.resolve(import.meta.dirname, '../../..');

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
  /** One log line as an object, or null if it is not a JSON object. */
  parseLogLine(line: string): Record<string, unknown> | null;
  /** Every stdout line that parsed as JSON: the structured log. */
  logRecords(): Array<Record<string, unknown>>;
  /** Resident set size from /proc, or null where there is no /proc. */
  rssBytes(): number | null;
  signal(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after 12 s (past the server's own 10 s grace). */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A failed or interrupted run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A fresh SQLite file, migrated, with HS256 tenants registered (before any server opens it). */
export async function prepareDatabase(issuers: string[] = ['load-host']): Promise<{ dir: string; dbFile: string; tenants: HsTenant[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-rel-'));
  const dbFile = path.join(dir, 'widget.sqlite');
  const db = createDb({ client: 'sqlite', filename: dbFile });
  try {
    // The development key the server will find beside this file (it runs without SECRETS_KEY).
    const { box } = openSecretBox(loadConfig({ DATABASE_URL: `sqlite:${dbFile}` }).secrets);
    await migrateLatest(db, box);
    const tenants: HsTenant[] = [];
    for (const issuer of issuers) tenants.push(await registerHs256Tenant(db, box, { issuer, origins: [HOST_ORIGIN], now: Date.now() }));
    return { dir, dbFile, tenants };
  } finally {
    await db.destroy();
  }
}

/** `port`: reuse a previous process's port, as a restart does (session tokens name the origin they are for). */
export async function startServerProcess(options: { dbFile: string; env?: Record<string, string>; port?: number }): Promise<ServerProcess> {
  const [port, harnessPort] = [options.port ?? (await freePort()), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_ENV: 'development',
      PORT: String(port),
      HARNESS_PORT: String(harnessPort),
      DATABASE_URL: `sqlite:${options.dbFile}`,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited early:\n${output}`);
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    port,
    harnessUrl: `http://127.0.0.1:${harnessPort}`,
    pid: child.pid!,
    audience: `http://localhost:${port}`,
    output: () => output,
    stdout: () => stdout,
    parseLogLine,
    logRecords: () =>
      stdout.split('\n').flatMap((line) => {
        const record = parseLogLine(line);
        return record ? [record] : [];
      }),
    rssBytes: () => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
        return kb ? Number(kb[1]) * 1024 : null;
      } catch {
        return null;
      }
    },
    signal: (signal) => void child.kill(signal),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function parseLogLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
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
