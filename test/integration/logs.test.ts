import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../server/logger.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

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
    const sessionToken = JSON.parse(/id="widget-bootstrap">([^<]*)</.exec(html)![1]!).token as string;
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
