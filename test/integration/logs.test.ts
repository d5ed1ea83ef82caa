import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../server/logger.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { bootstrapOf } from '../helpers/launchPage.ts';

const lines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ logger: jsonLogger((line) => lines.push(line)) });
});
afterAll(() => t.close());

describe('request logs', () => {
  it('are JSON lines with the request id the client sees, and never carry tokens, secrets or host user ids', async () => {
    const hostUserId = 'host-user-secret-id-8841';
    const launchToken = t.launchToken({ sub: hostUserId });
    const launch = await fetch(`${t.url}/launch?jwt=${launchToken}`);
    const html = await launch.text();
    const sessionToken = bootstrapOf(html)!.token as string;
    const me = await t.api('GET', '/api/me', sessionToken);
    await t.api('GET', '/api/me', `${sessionToken}x`);
    await fetch(`${t.url}/launch?jwt=${launchToken}`); // replay, logged as a failure
    await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ sub: hostUserId }) });

    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestIds = records.filter((r) => r.event === 'request').map((r) => r.requestId);
    expect(requestIds).toContain(me.headers.get('x-request-id'));
    expect(records.some((r) => r.event === 'request' && r.code === 'launch_replayed' && r.status === 401)).toBe(true);

    const all = lines.join('\n');
    for (const secret of [launchToken, sessionToken, t.tenant.secret, hostUserId, launchToken.split('.')[2]!, sessionToken.split('.')[2]!]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('request logs on error paths', () => {
  it('keep a token pasted into a URL path out of the log', async () => {
    const launchToken = t.launchToken({ sub: 'path-pasting-user-5521' });
    const response = await fetch(`${t.url}/launch/${launchToken}`);
    expect(response.status).toBe(404);
    const record = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ event: 'request', status: 404, path: '/launch/[token]' });
    for (const part of launchToken.split('.')) expect(lines.join('\n')).not.toContain(part);
  });

  it('log a database failure as an error with the request id, but without the values bound into the query', async () => {
    const broken: string[] = [];
    const app = await startTestApp({ logger: jsonLogger((line) => broken.push(line)) });
    try {
      const hostUserId = 'host-user-in-a-failing-insert-7731';
      const launchToken = app.launchToken({ sub: hostUserId, name: 'Name Of A Person 7731' });
      // Works on SQLite and PostgreSQL alike: the insert that maps the host user fails.
      await app.db.schema.renameTable('users', 'users_elsewhere');
      const response = await app.api('POST', '/api/session', undefined, { jwt: launchToken });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
      const records = broken.map((line) => JSON.parse(line) as Record<string, unknown>);
      const failure = records.find((r) => r.event === 'unhandled_error');
      expect(failure).toMatchObject({ level: 'error', requestId: response.headers.get('x-request-id') });
      expect(String(failure!.error)).toMatch(/users/);
      const all = broken.join('\n');
      for (const secret of [hostUserId, 'Name Of A Person 7731', launchToken, app.tenant.secret]) expect(all).not.toContain(secret);
      await app.db.schema.renameTable('users_elsewhere', 'users');
    } finally {
      await app.close();
    }
  });
});

const recordsOf = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('request ids', () => {
  const requestIdOf = async (sent?: string) => {
    const response = await fetch(`${t.url}/healthz`, { headers: sent === undefined ? {} : { 'X-Request-Id': sent } });
    const id = response.headers.get('x-request-id')!;
    return { id, logged: recordsOf(lines).find((r) => r.event === 'request' && r.requestId === id) };
  };

  it('keeps the id a proxy sent, in the answer and on the log line', async () => {
    for (const sent of ['0f8c3a6be1d24e7f9a1b2c3d4e5f6a7b', 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8', crypto.randomUUID()]) {
      const { id, logged } = await requestIdOf(sent);
      expect(id).toBe(sent);
      expect(logged).toMatchObject({ requestId: sent });
    }
  });

  it('replaces an id that is too long, has other characters, or looks like a token', async () => {
    const token = t.launchToken().slice(0, 100);
    for (const sent of ['a'.repeat(129), 'has space', 'quote"d', '<script>', token, '']) {
      const { id, logged } = await requestIdOf(sent);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(logged).toBeDefined();
    }
    expect(lines.join('\n')).not.toContain(token);
  });
});

describe('the tenant on log lines', () => {
  it('is on every request line that acts for one: API calls, launches, refused launches', async () => {
    const other = await t.addTenant('tenant-on-log-lines');
    const { token } = await t.launch({}, other);
    const me = await t.api('GET', '/api/me', token);
    const replay = t.launchToken({}, other);
    await t.api('POST', '/api/session', undefined, { jwt: replay });
    const replayed = await t.api('POST', '/api/session', undefined, { jwt: replay });
    const anonymous = await fetch(`${t.url}/healthz`);
    const lineOf = (response: Response) => recordsOf(lines).find((r) => r.event === 'request' && r.requestId === response.headers.get('x-request-id'));
    expect(lineOf(me)).toMatchObject({ status: 200, tenantId: other.id });
    expect(lineOf(replayed)).toMatchObject({ status: 401, code: 'launch_replayed', tenantId: other.id });
    expect(lineOf(anonymous)).not.toHaveProperty('tenantId');
  });

  it('refused launches are audit lines with the tenant, its issuer and the page Origin', async () => {
    const response = await fetch(`${t.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://wrong-page.example' },
      body: JSON.stringify({ jwt: t.launchToken({ aud: 'https://elsewhere.example' }) }),
    });
    expect(response.status).toBe(401);
    const rejected = recordsOf(lines).find((r) => r.event === 'launch_rejected' && r.requestId === response.headers.get('x-request-id'));
    expect(rejected).toMatchObject({ level: 'warn', audit: true, code: 'launch_invalid', tenantId: t.tenant.id, issuer: t.tenant.issuer, origin: 'https://wrong-page.example' });
  });

  it('an unknown issuer names no tenant', async () => {
    const response = await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ iss: 'nobody-registered' }) });
    const rejected = recordsOf(lines).find((r) => r.event === 'launch_rejected' && r.requestId === response.headers.get('x-request-id'));
    expect(rejected).toMatchObject({ code: 'unknown_issuer' });
    expect(rejected).not.toHaveProperty('tenantId');
    expect(rejected).not.toHaveProperty('origin');
  });
});

describe('LOG_LEVEL', () => {
  it('drops lines below the level but never an audit line', async () => {
    const quiet: string[] = [];
    const app = await startTestApp({ logger: jsonLogger((line) => quiet.push(line), { level: 'error' }) });
    try {
      await fetch(`${app.url}/healthz`);
      await app.api('POST', '/api/session', undefined, { jwt: app.launchToken({ exp: app.clock.nowSec() - 3600, iat: app.clock.nowSec() - 3660 }) });
      expect(recordsOf(quiet).map((r) => r.event)).toEqual(['launch_rejected']);
    } finally {
      await app.close();
    }
  });

  it('debug writes everything', () => {
    const all: string[] = [];
    const logger = jsonLogger((line) => all.push(line), { level: 'debug' });
    logger.debug('a');
    logger.info('b');
    expect(recordsOf(all).map((r) => [r.level, r.event])).toEqual([
      ['debug', 'a'],
      ['info', 'b'],
    ]);
  });
});
