import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminInputError } from '../../server/admin/adminInput.ts';
import { registerTenant } from '../../server/admin/tenants.ts';
import { jwksFetchFor } from '../../server/auth/launch/jwksFetcher.ts';
import { startConnectionCounter, type ConnectionCounter } from '../helpers/connectionCounter.ts';
import { generateKeyPair, signAsymmetric } from '../../support/signJwt.ts';
import { recordingLogger } from '../helpers/recordingLogger.ts';
import { HOST_ORIGIN, startTestApp, type TestApp } from '../helpers/testApp.ts';

// A JWKS URL is an address the server connects to on a launcher's request: in
// production it must not reach loopback, the private network or a metadata
// service, and the launcher learns nothing about what the server can reach.

const key = generateKeyPair('ES256');
const recording = recordingLogger();
const logLines = recording.lines;
let t: TestApp;
let listener: ConnectionCounter;
let port: number;

beforeAll(async () => {
  listener = await startConnectionCounter();
  port = listener.port;
  t = await startTestApp({
    env: { NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example' },
    // The production transport, with a short timeout.
    jwks: { fetch: { ...jwksFetchFor(true), timeoutMs: 1000 } },
    logger: recording.logger,
  });
});
afterAll(async () => {
  await t.close();
  await listener.close();
});

/** Registered as it might have been before this check (or from development): straight into the database. */
const tenantWithJwks = async (issuer: string, url: string) => {
  await registerTenant(t.db, t.secrets, { issuer, origins: [HOST_ORIGIN], now: t.clock.now(), key: { type: 'jwks', alg: 'ES256', url }, production: false });
  return issuer;
};
const launchFor = async (issuer: string) => {
  const response = await t.api('POST', '/api/session', undefined, { jwt: signAsymmetric('ES256', t.launchClaims(issuer), key.privateKey, { kid: 'k1' }) });
  return { status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error };
};

describe('JWKS URLs in production', () => {
  it('never connects to loopback, private or metadata addresses, by name or by literal, and says the same thing each time', async () => {
    const issuers = [
      await tenantWithJwks('ssrf-by-name', `https://localhost:${port}/jwks.json`),
      await tenantWithJwks('ssrf-by-literal', `https://127.0.0.1:${port}/jwks.json`),
      await tenantWithJwks('ssrf-metadata', 'https://169.254.169.254/latest/meta-data/'),
      await tenantWithJwks('ssrf-private', 'https://10.11.12.13/jwks.json'),
    ];
    const answers = [];
    for (const issuer of issuers) answers.push(await launchFor(issuer));
    expect(listener.count()).toBe(0);
    expect(new Set(answers.map((a) => `${a.status} ${a.code} ${a.message}`)).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 401, code: 'launch_invalid' });
    expect(answers[0]!.message).not.toMatch(/loopback|private|link-local|refused|127\.0\.0\.1|localhost/);
    // The operator is told why.
    const reasons = logLines.filter((l) => l.event === 'jwks_fetch_failed').map((l) => String(l.reason));
    expect(reasons).toEqual([
      expect.stringContaining('localhost resolves to a loopback address'),
      expect.stringContaining('127.0.0.1 is a loopback address'),
      expect.stringContaining('169.254.169.254 is a link-local address'),
      expect.stringContaining('10.11.12.13 is a private address'),
    ]);
  });

  it('refuses to register an address literal that is not public', async () => {
    for (const url of [`https://127.0.0.1:${port}/jwks.json`, 'https://[::1]/jwks.json', 'https://169.254.169.254/latest/meta-data/']) {
      await expect(
        registerTenant(t.db, t.secrets, { issuer: `reg-${url.length}`, origins: [HOST_ORIGIN], now: t.clock.now(), key: { type: 'jwks', alg: 'ES256', url }, production: true }),
      ).rejects.toThrow(AdminInputError);
    }
  });
});
