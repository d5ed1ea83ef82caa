import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

// Production needs its secrets key; any well-formed one will do here.
const SECRETS_KEY = 'x8Qh6CK2X0ndlsbpJ8b7R1HpaJ7Gf6r5m1f1kFz3vQk=';

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      audience: 'http://localhost:3000',
      harnessPort: 3001,
      sessionTtl: 300,
      sessionMaxAge: 28800,
      launchMaxLifetime: 300,
      clockSkew: 30,
      database: { client: 'sqlite', filename: './data/widget.sqlite' },
    });
  });

  it('reads every variable of protocol section 6', () => {
    const config = loadConfig({
      PORT: '4000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://widget.example.com/',
      DATABASE_URL: 'postgres://u@db.internal:5432/widget',
      HARNESS_PORT: '4001',
      SESSION_TTL: '120',
      SESSION_MAX_AGE: '3600',
      LAUNCH_MAX_LIFETIME: '60',
      CLOCK_SKEW: '5',
      WIDGET_AUDIENCE: 'notes-widget',
    });
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      publicUrl: 'https://widget.example.com',
      database: { client: 'pg', connectionString: 'postgres://u@db.internal:5432/widget' },
      harnessPort: 4001,
      sessionTtl: 120,
      sessionMaxAge: 3600,
      launchMaxLifetime: 60,
      clockSkew: 5,
      audience: 'notes-widget',
    });
  });

  it('takes DATABASE_URL=sqlite:PATH as a SQLite file', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({ client: 'sqlite', filename: '/tmp/x.sqlite' });
  });

  it('disables the harness in production', () => {
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://w.example', SECRETS_KEY }).harnessPort).toBeNull();
  });

  it('reports every bad value at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SESSION_TTL: '-5', DATABASE_URL: 'mysql://x', PUBLIC_URL: 'ftp://x', CLOCK_SKEW: '99999' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'SESSION_TTL', 'DATABASE_URL', 'PUBLIC_URL', 'CLOCK_SKEW']) expect(message).toContain(name);
  });

  it('requires https for PUBLIC_URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://w.example' })).toThrow(/https/);
  });

  it('requires PUBLIC_URL in production, as the README says, but not for admin commands', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_URL is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: '  ' })).toThrow(/PUBLIC_URL is required in production/);
    expect(loadConfig({ NODE_ENV: 'production', SECRETS_KEY: 'a'.repeat(64) }, { purpose: 'admin' }).production).toBe(true);
    expect(loadConfig({}).publicUrl).toBe('http://localhost:3000');
  });

  it('reads LOG_LEVEL and refuses an unknown one', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL must be one of debug, info, warn, error/);
  });

  it('serves metrics only when METRICS_PORT is set, on 127.0.0.1 unless METRICS_HOST says otherwise, never on the public port', () => {
    expect(loadConfig({}).metrics).toBeNull();
    expect(loadConfig({ METRICS_PORT: 'off' }).metrics).toBeNull();
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT must be a whole number/);
  });

  it('rejects a PUBLIC_URL with a path', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'https://w.example/widget' })).toThrow(/without a path/);
  });

  it('rejects SESSION_MAX_AGE below SESSION_TTL', () => {
    expect(() => loadConfig({ SESSION_TTL: '600', SESSION_MAX_AGE: '300' })).toThrow(/SESSION_MAX_AGE/);
  });
});

describe('loadConfig: scaling out', () => {
  const pg = 'postgres://widget@db.internal:5432/widget';

  it('defaults the PostgreSQL pool to 10 connections and queries to 5 s', () => {
    expect(loadConfig({ DATABASE_URL: pg }).database).toEqual({ client: 'pg', connectionString: pg, poolMax: 10, statementTimeoutMs: 5000 });
  });

  it('reads DATABASE_POOL_MAX, DATABASE_STATEMENT_TIMEOUT and DATABASE_SCHEMA', () => {
    const config = loadConfig({ DATABASE_URL: pg, DATABASE_POOL_MAX: '25', DATABASE_STATEMENT_TIMEOUT: '0', DATABASE_SCHEMA: 'notes_widget' });
    expect(config.database).toEqual({ client: 'pg', connectionString: pg, poolMax: 25, statementTimeoutMs: 0, schema: 'notes_widget' });
  });

  it('rejects a pool too small to migrate, a schema that is no plain identifier, and PostgreSQL settings on SQLite', () => {
    expect(() => loadConfig({ DATABASE_URL: pg, DATABASE_POOL_MAX: '1' })).toThrow(/DATABASE_POOL_MAX must be between 2 and 1000/);
    expect(() => loadConfig({ DATABASE_URL: pg, DATABASE_STATEMENT_TIMEOUT: '5s' })).toThrow(/DATABASE_STATEMENT_TIMEOUT must be a whole number/);
    expect(() => loadConfig({ DATABASE_URL: pg, DATABASE_SCHEMA: 'x"; drop table users; --' })).toThrow(/DATABASE_SCHEMA must be a lower-case PostgreSQL identifier/);
    expect(() => loadConfig({ DATABASE_SCHEMA: 'widget' })).toThrow(/DATABASE_SCHEMA applies to PostgreSQL only/);
  });

  it('migrates on start outside production only, unless MIGRATE_ON_START says otherwise', () => {
    const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://w.example', SECRETS_KEY };
    expect(loadConfig({}).migrateOnStart).toBe(true);
    expect(loadConfig(production).migrateOnStart).toBe(false);
    expect(loadConfig({ ...production, MIGRATE_ON_START: 'true' }).migrateOnStart).toBe(true);
    expect(loadConfig({ MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
    expect(() => loadConfig({ MIGRATE_ON_START: 'sometimes' })).toThrow(/MIGRATE_ON_START must be true or false/);
  });

  it('runs the fake LMS beside the default harness, and elsewhere only when asked', () => {
    expect(loadConfig({}).ltiHarnessPort).toBe(3002);
    expect(loadConfig({ HARNESS_PORT: '4001' }).ltiHarnessPort).toBeNull();
    expect(loadConfig({ HARNESS_PORT: '4001', LTI_HARNESS_PORT: '4002' }).ltiHarnessPort).toBe(4002);
    expect(loadConfig({ LTI_HARNESS_PORT: 'off' }).ltiHarnessPort).toBeNull();
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://w.example', SECRETS_KEY }).ltiHarnessPort).toBeNull();
    expect(() => loadConfig({ LTI_HARNESS_PORT: '3001' })).toThrow(/LTI_HARNESS_PORT must differ/);
    expect(() => loadConfig({ LTI_HARNESS_PORT: 'x' })).toThrow(/LTI_HARNESS_PORT/);
  });

  it('runs without the harness when HARNESS_PORT=off', () => {
    expect(loadConfig({ HARNESS_PORT: 'off' }).harnessPort).toBeNull();
    expect(loadConfig({ HARNESS_PORT: 'off', PORT: '3001' }).port).toBe(3001);
    expect(() => loadConfig({ HARNESS_PORT: 'of' })).toThrow(/HARNESS_PORT/);
  });

  it('bounds the per-node cache lifetime (CACHE_TTL, seconds)', () => {
    expect(loadConfig({}).cacheTtl).toBe(30);
    expect(loadConfig({ CACHE_TTL: '5' }).cacheTtl).toBe(5);
    expect(() => loadConfig({ CACHE_TTL: '0' })).toThrow(/CACHE_TTL must be between 1 and 300/);
  });

  it('bounds how old a session check a node answers from may be (REVOCATION_DELAY_MS), 0 reading on every call', () => {
    expect(loadConfig({}).revocationDelayMs).toBe(1000);
    expect(loadConfig({ REVOCATION_DELAY_MS: '0' }).revocationDelayMs).toBe(0);
    expect(() => loadConfig({ REVOCATION_DELAY_MS: '60001' })).toThrow(/REVOCATION_DELAY_MS must be between 0 and 60000/);
    expect(() => loadConfig({ REVOCATION_DELAY_MS: 'soon' })).toThrow(/REVOCATION_DELAY_MS/);
  });
});

describe('loadConfig: security settings', () => {
  const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://w.example', SECRETS_KEY };

  it('trusts one proxy hop in production and none outside it (TRUST_PROXY_HOPS)', () => {
    expect(loadConfig(production).trustProxyHops).toBe(1);
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ ...production, TRUST_PROXY_HOPS: '2' }).trustProxyHops).toBe(2);
    expect(loadConfig({ ...production, TRUST_PROXY_HOPS: '0' }).trustProxyHops).toBe(0);
    expect(() => loadConfig({ TRUST_PROXY_HOPS: 'all' })).toThrow(/TRUST_PROXY_HOPS must be a whole number/);
  });
});
