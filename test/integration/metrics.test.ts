import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, serverTestDatabase, startServer } from '../helpers/childServer.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { TEST_DATABASE } from '../helpers/testDatabase.ts';

/** One sample of the Prometheus text format, or undefined: `name{labels} value`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) return Number(match[3]);
  }
  return undefined;
}

describe('what the app counts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LAUNCH_RATE_PER_IP: '6' } });
  });
  afterAll(() => t.close());
  const scrape = () => t.metrics.registry.metrics();

  it('requests by declared route, method and status, never by id', async () => {
    const { token } = await t.launch();
    await t.api('GET', '/api/me', token);
    await t.api('GET', '/api/me', token);
    await t.api('GET', '/api/me');
    const created = (await (await t.api('POST', '/api/notes', token, { body: 'hi' })).json()) as { note: { id: string } };
    await t.api('DELETE', `/api/notes/${created.note.id}`, token);
    await fetch(`${t.url}/nothing-here`);
    const text = await scrape();
    const count = (route: string, method: string, status: string) => sample(text, 'widget_http_request_duration_seconds_count', { route, method, status });
    expect(count('/api/me', 'GET', '200')).toBe(2);
    expect(count('/api/me', 'GET', '401')).toBe(1);
    expect(count('/api/notes/:id', 'DELETE', '204')).toBe(1);
    expect(count('(unmatched)', 'GET', '404')).toBe(1);
    expect(text).not.toContain(created.note.id);
    expect(sample(text, 'widget_http_request_duration_seconds_bucket', { route: '/api/me', method: 'GET', status: '200', le: '+Inf' })).toBe(2);
  });

  it('launches accepted, and refused by protocol code', async () => {
    const before = await scrape();
    const accepted = sample(before, 'widget_launches_total', { result: 'accepted' }) ?? 0;
    await t.api('POST', '/api/session', undefined, { jwt: t.launchToken() });
    await t.launch({ jti: 'once' });
    await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ jti: 'once' }) });
    await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ iss: 'nobody' }) });
    const text = await scrape();
    expect(sample(text, 'widget_launches_total', { result: 'accepted' })).toBe(accepted + 2);
    expect(sample(text, 'widget_launches_total', { result: 'refused', code: 'launch_replayed' })).toBe(1);
    expect(sample(text, 'widget_launches_total', { result: 'refused', code: 'unknown_issuer' })).toBe(1);
  });

  it('rate-limit hits by limit', async () => {
    // LAUNCH_RATE_PER_IP=6: the earlier tests spent five of this minute's attempts.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.api('POST', '/api/session', undefined, { jwt: t.launchToken() })).status);
    expect(statuses).toEqual([200, 429, 429]);
    const text = await scrape();
    expect(sample(text, 'widget_rate_limited_total', { limit: 'per_address' })).toBe(2);
    expect(sample(text, 'widget_launches_total', { result: 'refused', code: 'rate_limited' })).toBe(2);
  });

  it('open sessions in the database, and the connection pool', async () => {
    const open = async () => sample(await scrape(), 'widget_active_sessions');
    // Past the per-address window the earlier tests spent.
    t.clock.advance(61);
    const before = (await open())!;
    const { token } = await t.launch();
    expect(await open()).toBe(before + 1);
    await t.api('POST', '/api/session/logout', token);
    expect(await open()).toBe(before);
    const text = await scrape();
    expect(sample(text, 'widget_db_pool_connections', { state: 'used' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'widget_db_pool_connections', { state: 'pending_acquire' })).toBe(0);
    expect(sample(text, 'widget_db_pool_max_connections')).toBeGreaterThanOrEqual(1);
  });
});

// A real node, as deployed: the metrics port is its own, the public port has no /metrics.
describe.skipIf(TEST_DATABASE === 'pg')('GET /metrics on METRICS_PORT', () => {
  const database = serverTestDatabase();

  it('serves Prometheus text on 127.0.0.1:METRICS_PORT and nothing on the public port', async () => {
    const metricsPort = await freePort();
    const server = await startServer({ ...database().env, HARNESS_PORT: 'off', METRICS_PORT: String(metricsPort) });
    await fetch(`${server.url}/healthz`);
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'widget_http_request_duration_seconds_count', { route: '/healthz', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');

    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const elsewhere = await fetch(`http://127.0.0.1:${metricsPort}/`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { code: 'not_found' } });
    await server.stop();
  });
});
