import crypto from 'node:crypto';
import type { Options } from 'autocannon';
import { signHs256 } from '../support/signJwt.ts';
import type { HsTenant } from '../server/admin/tenants.ts';
import { BENCH_PUBLIC_URL } from './servers.ts';

// The rows of the benchmark: what each one sends, to which server, and which
// status every answer must have (a fast wrong answer is not a result).

export type ServerKind = 'node' | 'koa' | 'app' | 'one-node' | 'two-nodes';

export interface Row {
  id: string;
  title: string;
  server: ServerKind;
  /** Every response must have this status. */
  status: number;
  /** Called before each measured window: fresh tokens, so none expires mid-run. */
  prepare(url: string): Promise<Omit<Options, 'url'>>;
  /** Load run against the same server during the window, not measured itself (the launch storm). */
  background?(url: string): Promise<Omit<Options, 'url'>>;
}

export const LIST_CONTEXT = 'bench:thread-of-50';
const WRITE_CONTEXT = 'bench:writes';
export const SEEDED_NOTES = 50;

export class Launcher {
  constructor(private readonly tenant: HsTenant) {}

  /** A launch token valid now, with a jti never used before. */
  token(ctx: string, sub = 'bench-user'): string {
    const iat = Math.floor(Date.now() / 1000);
    const claims = { iss: this.tenant.issuer, aud: BENCH_PUBLIC_URL, sub, name: 'Bench User', ctx, iat, exp: iat + 60, jti: crypto.randomUUID() };
    return signHs256(claims, this.tenant.secret);
  }

  /** POST /launch and the session token from the page's bootstrap block. */
  async session(url: string, ctx: string): Promise<string> {
    const response = await fetch(`${url}/launch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ jwt: this.token(ctx) }),
    });
    const html = await response.text();
    const match = /<script type="application\/json" id="widget-bootstrap">([^<]*)<\/script>/.exec(html);
    if (response.status !== 200 || !match) throw new Error(`launch failed: ${response.status} ${html.slice(0, 300)}`);
    return (JSON.parse(match[1]!) as { token: string }).token;
  }
}

/** Puts exactly SEEDED_NOTES notes in the thread that rows 4 and 6 read. */
export async function seedNotes(url: string, launcher: Launcher): Promise<void> {
  const token = await launcher.session(url, LIST_CONTEXT);
  for (let i = 0; i < SEEDED_NOTES; i++) {
    const response = await fetch(`${url}/api/notes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: `Seeded note ${i + 1}: a sentence or two of the length people write in a thread beside a page.` }),
    });
    if (response.status !== 201) throw new Error(`seeding notes failed: ${response.status} ${await response.text()}`);
  }
}

/** Same shape and key id as a real token, signed with a key we never had: fails at the signature. */
function forge(token: string): string {
  const input = token.slice(0, token.lastIndexOf('.'));
  return `${input}.${crypto.createHmac('sha256', crypto.randomBytes(32)).update(input).digest('base64url')}`;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

// What a browser sends: the launch page is compressed on the wire, and the bench counts those bytes.
const ACCEPT_ENCODING = { 'Accept-Encoding': 'br, gzip' };

/** Launches with a new jti each, as fast as `connections` clients can send them. */
const launchStorm = (launcher: Launcher, connections: number): Omit<Options, 'url'> => ({
  connections,
  requests: [
    {
      method: 'POST',
      path: '/launch',
      // Signed as each request is built: every launch carries a jti the server has never seen.
      setupRequest: (request) => ({
        ...request,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ACCEPT_ENCODING },
        body: `jwt=${launcher.token(LIST_CONTEXT)}`,
      }),
    },
  ],
});

/** Connections of the launch storm beside GET /api/me's 10. */
export const STORM_CONNECTIONS = 2;

export function benchRows(launcher: Launcher): Row[] {
  return [
    { id: 'node', title: 'bare node http hello (floor)', server: 'node', status: 200, prepare: async () => ({ method: 'GET', path: '/' }) },
    { id: 'koa', title: 'bare Koa hello', server: 'koa', status: 200, prepare: async () => ({ method: 'GET', path: '/' }) },
    {
      id: 'me',
      title: 'GET /api/me (verify + revocation check)',
      server: 'app',
      status: 200,
      prepare: async (url) => ({ method: 'GET', path: '/api/me', headers: bearer(await launcher.session(url, 'bench:me')) }),
    },
    {
      id: 'notes-list',
      title: `GET /api/notes (${SEEDED_NOTES} notes)`,
      server: 'app',
      status: 200,
      prepare: async (url) => ({ method: 'GET', path: '/api/notes', headers: bearer(await launcher.session(url, LIST_CONTEXT)) }),
    },
    {
      id: 'notes-create',
      title: 'POST /api/notes',
      server: 'app',
      status: 201,
      prepare: async (url) => ({
        method: 'POST',
        path: '/api/notes',
        headers: { ...bearer(await launcher.session(url, WRITE_CONTEXT)), 'Content-Type': 'application/json' },
        body: JSON.stringify({ body: 'A new note, written during the benchmark.' }),
      }),
    },
    {
      id: 'launch',
      title: `POST /launch (full, ${SEEDED_NOTES} notes rendered)`,
      server: 'app',
      status: 200,
      prepare: async () => {
        const { connections: _, ...storm } = launchStorm(launcher, 1);
        return storm;
      },
    },
    {
      id: 'me-storm',
      title: `GET /api/me during a launch storm (${STORM_CONNECTIONS} launching clients)`,
      server: 'app',
      status: 200,
      prepare: async (url) => ({ method: 'GET', path: '/api/me', headers: bearer(await launcher.session(url, 'bench:me')) }),
      background: async () => launchStorm(launcher, STORM_CONNECTIONS),
    },
    // The same GET /api/me through one address, to one node and to two (bench/balancer.ts).
    ...(['one-node', 'two-nodes'] as const).map(
      (server): Row => ({
        id: `me-${server}`,
        title: `GET /api/me, ${server === 'one-node' ? '1 node' : '2 nodes'} behind one address`,
        server,
        status: 200,
        prepare: async (url) => ({ method: 'GET', path: '/api/me', headers: bearer(await launcher.session(url, 'bench:me')) }),
      }),
    ),
    {
      id: 'invalid-token',
      title: 'invalid token (bad signature) -> 401',
      server: 'app',
      status: 401,
      prepare: async (url) => ({ method: 'GET', path: '/api/notes', headers: bearer(forge(await launcher.session(url, 'bench:me'))) }),
    },
  ];
}
