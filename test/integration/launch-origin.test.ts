import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_ORIGIN, startTestApp, type TestApp } from '../helpers/testApp.ts';

// Login CSRF: a launch is bound to the embedding page by what the browser says
// about the request (Origin, Sec-Fetch-Site, Sec-Fetch-Dest). What browsers
// really send was read off Chromium and WebKitGTK: the SDK's form post from a
// host page arrives with Origin: <host origin> (or "null" under Referrer-Policy:
// no-referrer), Sec-Fetch-Site: cross-site, Sec-Fetch-Dest: iframe; the widget's
// own POST /api/session with its own origin, same-origin, empty.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

type Headers = Record<string, string>;
const EVIL = 'https://evil.example';
const SDK_FORM_POST: Headers = { Origin: HOST_ORIGIN, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' };
const AUDIT_ATTACK: Headers = { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' };

interface Outcome {
  status: number;
  code: string | null;
  text: string;
}

async function outcomeOf(response: Response): Promise<Outcome> {
  const text = await response.text();
  const code = response.headers.get('content-type')?.startsWith('application/json')
    ? ((JSON.parse(text) as { error?: { code: string } }).error?.code ?? null)
    : (/<code id="error-code">([^<]*)<\/code>/.exec(text)?.[1] ?? null);
  return { status: response.status, code, text };
}

const postLaunch = async (headers: Headers, jwt = t.launchToken()) =>
  outcomeOf(await fetch(`${t.url}/launch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ jwt }) }));
const getLaunch = async (headers: Headers, jwt = t.launchToken()) => outcomeOf(await fetch(`${t.url}/launch?jwt=${encodeURIComponent(jwt)}`, { headers }));
const postSession = async (headers: Headers, jwt = t.launchToken()) =>
  outcomeOf(await fetch(`${t.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ jwt }) }));

const status = (o: Outcome) => `${o.status} ${o.code ?? 'ok'}`;

describe('a launch page (POST and GET /launch) bound to the embedding page', () => {
  it('opens for the SDK posting from a registered host page into its iframe', async () => {
    expect(status(await postLaunch(SDK_FORM_POST))).toBe('200 ok');
  });

  it('refuses the audit attack: another site posts an attacker token top-level', async () => {
    const refused = await postLaunch(AUDIT_ATTACK);
    expect(status(refused)).toBe('401 launch_invalid');
    expect(refused.text).toContain('must open inside the host page');
    expect(refused.text).not.toContain('widget-bootstrap');
  });

  it('refuses a top-level launch even from a registered host page', async () => {
    expect(status(await postLaunch({ ...SDK_FORM_POST, 'Sec-Fetch-Dest': 'document' }))).toBe('401 launch_invalid');
  });

  it('refuses a launch into an iframe posted by a page of another origin', async () => {
    const refused = await postLaunch({ ...SDK_FORM_POST, Origin: EVIL });
    expect(status(refused)).toBe('401 launch_invalid');
    expect(refused.text).toContain('https://evil.example, which is not a registered origin');
  });

  it('refuses the widget\'s own origin as the sender of a launch page', async () => {
    expect(status(await postLaunch({ ...SDK_FORM_POST, Origin: t.config.publicUrl, 'Sec-Fetch-Site': 'same-origin' }))).toBe('401 launch_invalid');
  });

  it('accepts a hidden origin ("null", Referrer-Policy: no-referrer) only when the browser says the launch is for an iframe', async () => {
    expect(status(await postLaunch({ ...SDK_FORM_POST, Origin: 'null' }))).toBe('200 ok');
    expect(status(await postLaunch({ Origin: 'null' }))).toBe('401 launch_invalid');
    expect(status(await postLaunch({ ...AUDIT_ATTACK, Origin: 'null' }))).toBe('401 launch_invalid');
  });

  it('applies the same rules to GET /launch, which browsers send without an Origin', async () => {
    expect(status(await getLaunch({ 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'iframe' }))).toBe('200 ok');
    expect(status(await getLaunch({ 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'document' }))).toBe('401 launch_invalid');
  });

  it('keeps working for requests that send none of these headers (servers, older browsers)', async () => {
    expect(status(await postLaunch({}))).toBe('200 ok');
    expect(status(await getLaunch({}))).toBe('200 ok');
  });

  it('refuses before the jti is spent: the token still works from the right page', async () => {
    const jwt = t.launchToken();
    expect(status(await postLaunch(AUDIT_ATTACK, jwt))).toBe('401 launch_invalid');
    expect(status(await postLaunch(SDK_FORM_POST, jwt))).toBe('200 ok');
  });
});

describe('POST /api/session bound to the widget', () => {
  const WIDGET_FETCH = (): Headers => ({ Origin: t.config.publicUrl, 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' });

  it('opens for the widget\'s own call and for no headers at all', async () => {
    expect(status(await postSession(WIDGET_FETCH()))).toBe('200 ok');
    expect(status(await postSession({}))).toBe('200 ok');
  });

  it('refuses a call from another site', async () => {
    expect(status(await postSession({ ...WIDGET_FETCH(), Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' }))).toBe('401 launch_invalid');
  });

  it('accepts a hidden origin only for a same-origin call', async () => {
    expect(status(await postSession({ ...WIDGET_FETCH(), Origin: 'null' }))).toBe('200 ok');
    expect(status(await postSession({ ...WIDGET_FETCH(), Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }))).toBe('401 launch_invalid');
  });
});
