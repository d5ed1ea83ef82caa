import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

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
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://w.example' }).harnessPort).toBeNull();
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

  it('rejects a PUBLIC_URL with a path', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'https://w.example/widget' })).toThrow(/without a path/);
  });

  it('rejects SESSION_MAX_AGE below SESSION_TTL', () => {
    expect(() => loadConfig({ SESSION_TTL: '600', SESSION_MAX_AGE: '300' })).toThrow(/SESSION_MAX_AGE/);
  });
});
