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
