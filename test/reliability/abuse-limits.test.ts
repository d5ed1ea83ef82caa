import fs from 'node:fs';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { loadWidgetAssets } from '../../server/assets/widgetAssets.ts';
import { createHttpServer, SERVER_LIMITS, type ServerLimits } from '../../server/http/httpServer.ts';
import { JSON_BODY_LIMIT, FORM_BODY_LIMIT } from '../../server/http/readBody.ts';
import { jsonLogger } from '../../server/logger.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { buildRequest, sendRaw } from './support/rawHttp.ts';
import { report, soak } from './support/scale.ts';
import { openSession, prepareDatabase, startServerProcess } from './support/serverProcess.ts';

// The limits a hostile client meets: header and body sizes, and timeouts that
// cut off clients who trickle bytes (slowloris). The app runs behind
// createHttpServer exactly as in main.ts, with the timeouts shortened so the
// suite does not wait 15 s per case; `npm run soak` checks the real ones.

const SHORT: ServerLimits = { ...SERVER_LIMITS, headersTimeoutMs: 1000, requestTimeoutMs: 2000, checkIntervalMs: 100 };

let t: TestApp;
let server: http.Server;
let port: number;
let token: string;
const logLines: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const logger = jsonLogger((line) => logLines.push(line));
  const app = createApp({ db: t.db, config: t.config, clock: t.clock, ring: t.ring, secrets: t.secrets, assets: loadWidgetAssets(), logger });
  server = createHttpServer(app.callback(), logger, SHORT);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  token = (await t.launch({ sub: 'abuse', ctx: 'page:abuse' })).token;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const url = (path: string) => `http://127.0.0.1:${port}${path}`;

/** Full raw response text (head and body), for answers that fetch cannot produce a request for. */
function exchange(bytes: Buffer, timeoutMs = 5000): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
    socket.on('error', () => {});
    socket.write(bytes);
    setTimeout(() => socket.destroy(), timeoutMs);
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
const jsonErrorOf = (text: string) => (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string } }).error.code;

describe('header size', () => {
  it('accepts a request whose headers are just under 16 KB', async () => {
    const response = await fetch(url('/api/me'), { headers: { Authorization: `Bearer ${token}`, 'X-Padding': 'p'.repeat(14_000) } });
    expect(response.status).toBe(200);
  });

  it('answers 431 with a JSON validation_failed error and a request id past 16 KB, logs it without the header bytes, and stays up', async () => {
    const secretish = `Bearer ${token}`;
    const { text } = await exchange(buildRequest({ method: 'GET', target: '/api/me', headers: [['Authorization', secretish], ['X-Padding', 'p'.repeat(17_000)]] }));
    expect(statusOf(text)).toBe(431);
    expect(jsonErrorOf(text)).toBe('validation_failed');
    const requestId = /X-Request-Id: ([0-9a-f-]{36})/i.exec(text)?.[1];
    expect(requestId).toBeDefined();
    const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.requestId === requestId);
    expect(line).toMatchObject({ event: 'request', status: 431, code: 'validation_failed', reason: 'HPE_HEADER_OVERFLOW' });
    expect(logLines.join('\n')).not.toContain(token);
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });

  it('answers 400 as JSON for bytes that are not HTTP at all', async () => {
    const { text } = await exchange(Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n', 'latin1'));
    expect(statusOf(text)).toBe(400);
    expect(jsonErrorOf(text)).toBe('validation_failed');
  });
});

describe('body size', () => {
  it(`refuses a JSON body over ${JSON_BODY_LIMIT} bytes with 413 payload_too_large`, async () => {
    const response = await fetch(url('/api/notes'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: 'x'.repeat(JSON_BODY_LIMIT) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it(`refuses a launch form over ${FORM_BODY_LIMIT} bytes with 413`, async () => {
    const response = await fetch(url('/launch'), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `jwt=${'a'.repeat(FORM_BODY_LIMIT)}` });
    expect(response.status).toBe(413);
  });

  it('answers 413 at once for a declared length over the limit, without waiting for the body', async () => {
    const answer = await sendRaw(
      port,
      buildRequest({ method: 'POST', target: '/api/notes', headers: [['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json']], contentLength: 50 * 1024 * 1024 }),
    );
    // No body is ever sent: a server that waited for it would answer 408 at requestTimeout, not 413.
    expect(answer.status).toBe(413);
  });

  it('stops reading a chunked body that grows past the limit', async () => {
    const chunk = `${(8192).toString(16)}\r\n${'a'.repeat(8192)}\r\n`;
    const answer = await sendRaw(
      port,
      buildRequest({
        method: 'POST',
        target: '/api/notes',
        headers: [['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']],
        body: `${chunk.repeat(8)}0\r\n\r\n`,
        contentLength: 'none',
      }),
    );
    expect(answer.status).toBe(413);
  });
});

describe('slow clients (slowloris)', () => {
  it('cuts off connections that trickle their headers after headersTimeout, with 408, while serving everyone else', async () => {
    const SLOW = 40;
    const slow = Array.from({ length: SLOW }, () => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      const closed = new Promise<{ text: string; at: number }>((resolve) => socket.on('close', () => resolve({ text, at: Date.now() })));
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('error', () => {});
      socket.write('GET /api/me HTTP/1.1\r\nHost: x\r\n');
      // One header byte every 100 ms: each byte resets a naive idle timer, never headersTimeout.
      const drip = setInterval(() => socket.writable && socket.write('X-a: b\r\n'), 100);
      return { closed, stop: () => clearInterval(drip), socket };
    });

    // Meanwhile the server answers others. (How fast is not asserted: that depends
    // on the machine; the soak run checks it against the real 15 s timeout.)
    for (let i = 0; i < 10; i++) {
      expect((await fetch(url('/healthz'))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const ends = await Promise.all(slow.map((s) => s.closed));
    for (const s of slow) s.stop();
    for (const end of ends) {
      expect(statusOf(end.text)).toBe(408);
      // Each drip would keep the socket open forever: only headersTimeout closes it, with this 408.
      expect(jsonErrorOf(end.text)).toBe('validation_failed');
    }
  });

  it('cuts off a request whose body never completes after requestTimeout, and stores nothing', async () => {
    const before = (await t.db('notes').count({ n: '*' }))[0]!.n;
    const { text, closedAfterMs } = await exchange(
      Buffer.concat([
        buildRequest({ method: 'POST', target: '/api/notes', headers: [['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json']], contentLength: 100 }),
        Buffer.from('{"body":"never ends'),
      ]),
      // Our own give-up, far past requestTimeout: reaching it means the server never cut us off (a hang).
      60_000,
    );
    // Not before requestTimeout (a timer cannot fire early); how late on a busy machine does not matter.
    expect(statusOf(text)).toBe(408);
    expect(closedAfterMs).toBeGreaterThanOrEqual(SHORT.requestTimeoutMs - 100);
    expect((await t.db('notes').count({ n: '*' }))[0]!.n).toBe(before);
    // The abandoned request is logged as the client's fault, not as a server error.
    expect(logLines.some((l) => l.includes('"level":"error"'))).toBe(false);
  });
});

describe.skipIf(!soak)('the real server process and its real timeouts (soak only: it waits 30 s)', () => {
  it('cuts off a header trickler after 15 s and a stalled body after 30 s, serving others meanwhile', async () => {
    const { env, tenants, drop } = await prepareDatabase(['soak-abuse-host']);
    const child = await startServerProcess({ database: env });
    try {
      const session = await openSession(child, tenants[0]!, { sub: 'soak-abuse' });
      const hold = (bytes: Buffer, drip: string | null) => {
        const socket = net.connect(child.port, '127.0.0.1');
        let text = '';
        const started = Date.now();
        const closed = new Promise<{ text: string; afterMs: number }>((resolve) => socket.on('close', () => resolve({ text, afterMs: Date.now() - started })));
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('error', () => {});
        socket.write(bytes);
        const timer = drip === null ? null : setInterval(() => socket.writable && socket.write(drip), 1000);
        return closed.finally(() => timer && clearInterval(timer));
      };
      const headers = hold(Buffer.from('GET /api/me HTTP/1.1\r\nHost: x\r\n'), 'X-a: b\r\n');
      const body = hold(
        buildRequest({ method: 'POST', target: '/api/notes', headers: [['Authorization', `Bearer ${session.token}`], ['Content-Type', 'application/json']], contentLength: 1000 }),
        ' ',
      );
      let served = 0;
      const serving = (async () => {
        for (let i = 0; i < 30; i++) {
          if ((await fetch(`${child.url}/healthz`)).status === 200) served++;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      })();
      const [h, b] = await Promise.all([headers, body, serving]);
      report('slowloris', { headersCutAfterMs: h.afterMs, bodyCutAfterMs: b.afterMs, othersServed: served });
      expect(statusOf(h.text)).toBe(408);
      expect(h.afterMs).toBeGreaterThanOrEqual(SERVER_LIMITS.headersTimeoutMs - 100);
      expect(statusOf(b.text)).toBe(408);
      expect(b.afterMs).toBeGreaterThanOrEqual(SERVER_LIMITS.requestTimeoutMs - 100);
      expect(served).toBe(30);
    } finally {
      await child.stop();
      await drop();
    }
  }, 300_000);
});
