import { LOG_LEVELS, type LogLevel } from './logger.ts';

// Environment -> typed configuration. Every bad value is reported at once, by
// name, so an operator fixes the deployment in one pass instead of one
// restart per mistake.
import path from 'node:path';
import { parseSecretsKey, type SecretsKeys } from './secrets/secretsKey.ts';

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | {
      client: 'pg';
      connectionString: string;
      /** Connections per node: the cluster needs (nodes x poolMax) under PostgreSQL's max_connections. */
      poolMax: number;
      /** Milliseconds; a stuck query fails instead of holding a connection forever. 0: not set by us (the role's or server's default applies). */
      statementTimeoutMs: number;
      /** Schema for our tables (search_path); undefined = the server's default (public). */
      schema?: string;
    };

export interface Config {
  production: boolean;
  port: number;
  host: string;
  /** The origin the browser uses to reach us (no path, no trailing slash). */
  publicUrl: string;
  database: DatabaseConfig;
  /** Live update streams (GET /api/notes/stream): open at once per session and per node; ms between session re-checks. */
  streams: { perSession: number; perNode: number; recheckMs: number };
  /** null in production or with HARNESS_PORT=off: the harness is a development tool only. */
  harnessPort: number | null;
  /** The fake LMS (LTI 1.3 harness): null in production, with LTI_HARNESS_PORT=off, or when only HARNESS_PORT was set. */
  ltiHarnessPort: number | null;
  /** Run pending migrations at start (MIGRATE_ON_START); off by default in production. */
  migrateOnStart: boolean;
  /** Seconds a node may serve tenants, tenant keys and its signing key from memory. */
  cacheTtl: number;
  /**
   * REVOCATION_DELAY_MS: how long a node may answer from a session's state it read
   * (db/recentReads.ts). A revocation holds at once on the node that made it, and on
   * every other node (and after an admin CLI revocation) within this bound. 0: read on every call.
   */
  revocationDelayMs: number;
  /** Seconds. */
  sessionTtl: number;
  sessionMaxAge: number;
  launchMaxLifetime: number;
  clockSkew: number;
  /** Seconds before our session-signing key is rotated automatically. */
  sessionKeyMaxAge: number;
  /** Launch attempts (POST/GET /launch, POST /api/session) per minute, per client address and per tenant. */
  launchRatePerIp: number;
  launchRatePerTenant: number;
  /**
   * Proxies in front of us that append to X-Forwarded-For (TRUST_PROXY_HOPS): the client
   * address is the one the outermost of them added, counted from the right. 0: the socket's.
   */
  trustProxyHops: number;
  /** Key-encryption keys for the secrets stored in the database (SECRETS_KEY, SECRETS_KEY_PREVIOUS). */
  secrets: SecretsKeys;
  /** The `aud` launch tokens must carry. */
  audience: string;
  /** The `iss`/`aud` of our own session tokens. */
  sessionIssuer: string;
  sessionAudience: string;
  /** LOG_LEVEL: the least severe lines written; security audit lines are written at every level. */
  logLevel: LogLevel;
  /** METRICS_PORT / METRICS_HOST: Prometheus GET /metrics on a port of its own, never the public one; null = off. */
  metrics: { port: number; host: string } | null;
}

/** REVOCATION_DELAY_MS when unset: the bound docs/scaling.md states and the bench measures. */
export const DEFAULT_REVOCATION_DELAY_MS = 1000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /**
   * 'server' (the default) is a node that browsers reach; 'admin' is an admin
   * command or the knex CLI, which only open the database, so a release step
   * like `npm run migrate` needs no PUBLIC_URL.
   */
  purpose?: 'server' | 'admin';
}

export function loadConfig(env: Env = process.env, { purpose = 'server' }: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim())) {
      problems.push(`${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    const value = Number(raw.trim());
    if (value < min || value > max) {
      problems.push(`${name} must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  };

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
    return fallback;
  };

  const port = int('PORT', 3000, 1, 65535);
  // "off" runs the widget server alone, e.g. several development nodes on one database.
  const harnessOff = env.HARNESS_PORT?.trim().toLowerCase() === 'off';
  const harnessPortValue = harnessOff ? null : int('HARNESS_PORT', 3001, 1, 65535);
  const host = env.HOST?.trim() || (production ? '0.0.0.0' : '127.0.0.1');
  // Beside the default harness by default (3002); a process given a HARNESS_PORT of its own (tests,
  // several nodes on one machine) runs it only when asked, so no fixed port can collide.
  const ltiHarnessRaw = env.LTI_HARNESS_PORT?.trim().toLowerCase();
  const ltiHarnessPortValue =
    ltiHarnessRaw === 'off' || (!ltiHarnessRaw && (harnessPortValue === null || env.HARNESS_PORT?.trim())) ? null : int('LTI_HARNESS_PORT', (harnessPortValue ?? 3001) + 1, 1, 65535);

  let publicUrl = `http://localhost:${port}`;
  if (!env.PUBLIC_URL?.trim() && production && purpose === 'server') {
    // The default (http://localhost) is the token's iss/aud and the origin in every page: in
    // production it would start a server that no browser can use and that signs tokens for localhost.
    problems.push('PUBLIC_URL is required in production: the https origin browsers use to reach the widget, e.g. PUBLIC_URL=https://widget.example.com');
  } else if (env.PUBLIC_URL) {
    const parsed = parseHttpUrl(env.PUBLIC_URL);
    if (!parsed) {
      problems.push(`PUBLIC_URL must be an absolute http(s) URL such as https://widget.example.com, got ${JSON.stringify(env.PUBLIC_URL)}`);
    } else if (production && parsed.protocol !== 'https:') {
      problems.push('PUBLIC_URL must use https in production (browsers block mixed content and the token would travel in clear)');
    } else if (parsed.pathname !== '/') {
      problems.push(`PUBLIC_URL must be an origin without a path (the widget is served from the root), got ${JSON.stringify(env.PUBLIC_URL)}`);
    } else {
      publicUrl = parsed.origin;
    }
  }

  const database = parseDatabaseUrl(env.DATABASE_URL, problems);
  if (database.client === 'pg') {
    database.poolMax = int('DATABASE_POOL_MAX', 10, 2, 1000);
    database.statementTimeoutMs = int('DATABASE_STATEMENT_TIMEOUT', 5000, 0, 600_000);
    const schema = env.DATABASE_SCHEMA?.trim();
    if (schema) {
      if (/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) database.schema = schema;
      else problems.push(`DATABASE_SCHEMA must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63), got ${JSON.stringify(env.DATABASE_SCHEMA)}`);
    }
  } else {
    for (const name of ['DATABASE_POOL_MAX', 'DATABASE_STATEMENT_TIMEOUT', 'DATABASE_SCHEMA']) {
      if (env[name]) problems.push(`${name} applies to PostgreSQL only; DATABASE_URL is SQLite`);
    }
  }
  const migrateOnStart = bool('MIGRATE_ON_START', !production);
  const cacheTtl = int('CACHE_TTL', 30, 1, 300);

  const revocationDelayMs = int('REVOCATION_DELAY_MS', DEFAULT_REVOCATION_DELAY_MS, 0, 60_000);
  const sessionTtl = int('SESSION_TTL', 300, 10, 3600);
  const sessionMaxAge = int('SESSION_MAX_AGE', 28800, 60, 30 * 24 * 3600);
  if (sessionMaxAge < sessionTtl) {
    problems.push(`SESSION_MAX_AGE (${sessionMaxAge}) must be at least SESSION_TTL (${sessionTtl})`);
  }
  const launchMaxLifetime = int('LAUNCH_MAX_LIFETIME', 300, 1, 3600);
  const clockSkew = int('CLOCK_SKEW', 30, 0, 300);
  const sessionKeyMaxAge = int('SESSION_KEY_MAX_AGE', 7 * 24 * 3600, 600, 365 * 24 * 3600);
  const launchRatePerIp = int('LAUNCH_RATE_PER_IP', 120, 1, 1_000_000);
  const launchRatePerTenant = int('LAUNCH_RATE_PER_TENANT', 3000, 1, 10_000_000);
  const trustProxyHops = int('TRUST_PROXY_HOPS', production ? 1 : 0, 0, 10);

  const secrets = parseSecretsKeys(env, production, database, problems);

  let audience = publicUrl;
  if (env.WIDGET_AUDIENCE !== undefined && env.WIDGET_AUDIENCE !== '') {
    const trimmed = env.WIDGET_AUDIENCE.trim();
    if (trimmed.length === 0 || trimmed.length > 255) {
      problems.push('WIDGET_AUDIENCE must be 1-255 characters');
    } else {
      audience = trimmed;
    }
  }

  if (!production && harnessPortValue !== null && harnessPortValue === port) {
    problems.push(`HARNESS_PORT must differ from PORT (both ${port})`);
  }
  if (!production && ltiHarnessPortValue !== null && (ltiHarnessPortValue === port || ltiHarnessPortValue === harnessPortValue)) {
    problems.push(`LTI_HARNESS_PORT must differ from PORT and HARNESS_PORT (got ${ltiHarnessPortValue})`);
  }

  const logLevelRaw = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  const logLevel = LOG_LEVELS.find((level) => level === logLevelRaw);
  if (!logLevel) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);

  // Off unless asked for: several nodes (and the test suite) run on one machine, and a fixed default port would collide.
  const metricsOff = !env.METRICS_PORT?.trim() || env.METRICS_PORT.trim().toLowerCase() === 'off';
  const metricsPort = metricsOff ? null : int('METRICS_PORT', 0, 1, 65535);
  if (metricsPort !== null && (metricsPort === port || (!production && metricsPort === harnessPortValue))) {
    problems.push(`METRICS_PORT must differ from PORT and HARNESS_PORT (got ${metricsPort}): metrics are never served on the public port`);
  }
  const metricsHost = env.METRICS_HOST?.trim() || '127.0.0.1';

  const streams = {
    perSession: int('STREAM_MAX_PER_SESSION', 4, 1, 100),
    perNode: int('STREAM_MAX_PER_NODE', 5000, 1, 1_000_000),
    recheckMs: int('STREAM_RECHECK_MS', 15_000, 20, 300_000),
  };

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    production,
    port,
    host,
    publicUrl,
    database,
    streams,
    harnessPort: production ? null : harnessPortValue,
    ltiHarnessPort: production ? null : ltiHarnessPortValue,
    migrateOnStart,
    cacheTtl,
    revocationDelayMs,
    sessionTtl,
    sessionMaxAge,
    launchMaxLifetime,
    clockSkew,
    sessionKeyMaxAge,
    launchRatePerIp,
    launchRatePerTenant,
    trustProxyHops,
    secrets,
    audience,
    sessionIssuer: publicUrl,
    sessionAudience: `${publicUrl}/api`,
    logLevel: logLevel ?? 'info',
    metrics: metricsPort === null ? null : { port: metricsPort, host: metricsHost },
  };
}

const KEY_FORMAT = '32 random bytes in base64, e.g. from `npm run secrets -- generate-key` or `openssl rand -base64 32`';

function parseSecretsKeys(env: Env, production: boolean, database: DatabaseConfig, problems: string[]): SecretsKeys {
  const raw = env.SECRETS_KEY?.trim();
  let current: Buffer | null = null;
  if (raw) {
    current = parseSecretsKey(raw);
    if (!current) problems.push(`SECRETS_KEY must be ${KEY_FORMAT}`);
  } else if (production) {
    problems.push(`SECRETS_KEY is required in production: it seals the secrets stored in the database (${KEY_FORMAT})`);
  }
  const previous: Buffer[] = [];
  for (const [index, text] of (env.SECRETS_KEY_PREVIOUS ?? '').split(',').entries()) {
    if (text.trim() === '') continue;
    const key = parseSecretsKey(text);
    if (key) previous.push(key);
    else problems.push(`SECRETS_KEY_PREVIOUS must be comma-separated keys, each ${KEY_FORMAT}; entry ${index + 1} is not`);
  }
  // Development only: beside the SQLite file, or in ./data for PostgreSQL.
  const dataDir = database.client === 'sqlite' && database.filename !== ':memory:' ? path.dirname(database.filename) : './data';
  return { current, previous, developmentKeyFile: path.join(dataDir, 'secrets.key') };
}

function parseHttpUrl(raw: string): URL | null {
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password || url.search || url.hash) return null;
    return url;
  } catch {
    return null;
  }
}

export function parseDatabaseUrl(raw: string | undefined, problems: string[] = []): DatabaseConfig {
  const fallback: DatabaseConfig = { client: 'sqlite', filename: './data/widget.sqlite' };
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim();
  if (value.startsWith('sqlite:')) {
    const filename = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (filename === '') {
      problems.push('DATABASE_URL=sqlite:PATH needs a file path, e.g. sqlite:./data/widget.sqlite');
      return fallback;
    }
    return { client: 'sqlite', filename };
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
    } catch {
      problems.push('DATABASE_URL is not a valid postgres:// URL');
      return fallback;
    }
    return { client: 'pg', connectionString: value, poolMax: 10, statementTimeoutMs: 5000 };
  }
  problems.push('DATABASE_URL must start with sqlite: or postgres:// (unset means ./data/widget.sqlite)');
  return fallback;
}
