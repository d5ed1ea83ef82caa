import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSessionToken } from '../../server/auth/session/sessionToken.ts';
import { signHs256 } from '../../support/signJwt.ts';
import { startTestApp, type TestApp, type TestTenant } from '../helpers/testApp.ts';

// Two tenants with the same host user ids and the same context names: every
// endpoint is tried by every session against every note, and nothing crosses
// a tenant or a context.

const SUBS = ['alice', 'bob', 'carol', 'dave'];
const CONTEXTS = ['page:1', 'page:2'];
const NOTES_PER_SESSION = 2;

interface Seat {
  tenant: TestTenant;
  sub: string;
  ctx: string;
  token: string;
  userId: string;
  notes: string[];
}

interface NoteJson {
  id: string;
  body: string;
  author: { id: string };
}

let t: TestApp;
let tenants: TestTenant[];
const seats: Seat[] = [];

const sameScope = (a: Seat, b: Seat) => a.tenant.id === b.tenant.id && a.ctx === b.ctx;
const label = (s: Seat) => `${s.tenant.issuer}/${s.sub}/${s.ctx}`;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function listAll(token: string, before?: string): Promise<NoteJson[]> {
  const response = await t.api('GET', `/api/notes?limit=100${before ? `&before=${before}` : ''}`, token);
  expect(response.status).toBe(200);
  return ((await response.json()) as { notes: NoteJson[] }).notes;
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

beforeAll(async () => {
  t = await startTestApp();
  tenants = [t.tenant, await t.addTenant('second-host')];
  for (const tenant of tenants) {
    for (const sub of SUBS) {
      for (const ctx of CONTEXTS) {
        const { token, bootstrap } = await t.launch({ sub, ctx, name: `${sub} at ${tenant.issuer}` }, tenant);
        const seat: Seat = { tenant, sub, ctx, token, userId: bootstrap.user.id as string, notes: [] };
        for (let i = 0; i < NOTES_PER_SESSION; i++) {
          const response = await t.api('POST', '/api/notes', token, { body: `${label(seat)} #${i}` });
          expect(response.status).toBe(201);
          seat.notes.push(((await response.json()) as { note: NoteJson }).note.id);
        }
        seats.push(seat);
      }
    }
  }
});
afterAll(() => t.close());

describe('tenant and context isolation', () => {
  it('maps the same host user id to different widget users in different tenants, and to one user across contexts', () => {
    for (const sub of SUBS) {
      const ids = tenants.map((tenant) => new Set(seats.filter((s) => s.tenant === tenant && s.sub === sub).map((s) => s.userId)));
      expect(ids.map((set) => set.size)).toEqual([1, 1]);
      expect([...ids[0]!][0]).not.toBe([...ids[1]!][0]);
    }
  });

  it('GET /api/me answers each session with its own user, name and context only', async () => {
    for (const seat of seats) {
      const response = await t.api('GET', '/api/me', seat.token);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ user: { id: seat.userId, name: `${seat.sub} at ${seat.tenant.issuer}` }, context: seat.ctx });
    }
  });

  it('GET /api/notes lists exactly the notes of the caller\'s tenant and context', async () => {
    for (const seat of seats) {
      const expected = seats.filter((other) => sameScope(seat, other)).flatMap((other) => other.notes);
      const listed = await listAll(seat.token);
      expect(listed.map((n) => n.id).sort(), label(seat)).toEqual([...expected].sort());
      expect(listed.every((n) => n.body.startsWith(`${seat.tenant.issuer}/`) && n.body.includes(`/${seat.ctx} #`))).toBe(true);
    }
  });

  it('a pagination cursor taken from another tenant\'s thread still reads only the caller\'s own thread', async () => {
    const [a, b] = [seats.find((s) => s.tenant === tenants[0])!, seats.find((s) => s.tenant === tenants[1] && s.ctx === seats[0]!.ctx)!];
    const page = (await (await t.api('GET', '/api/notes?limit=1', b.token)).json()) as { nextCursor: string };
    const listed = await listAll(a.token, page.nextCursor);
    const own = new Set(seats.filter((s) => sameScope(a, s)).flatMap((s) => s.notes));
    expect(listed.every((n) => own.has(n.id))).toBe(true);
  });

  it('PATCH and DELETE of a note in another tenant or context answer 404 not_found and change nothing; another author\'s note in the same scope is 403', async () => {
    const tally = { notFound: 0, forbidden: 0 };
    for (const actor of seats) {
      for (const owner of seats) {
        if (owner === actor) continue;
        const expected = sameScope(actor, owner) ? { status: 403, code: 'forbidden' } : { status: 404, code: 'not_found' };
        for (const noteId of owner.notes) {
          const patch = await t.api('PATCH', `/api/notes/${noteId}`, actor.token, { body: `overwritten by ${label(actor)}` });
          expect({ status: patch.status, code: await codeOf(patch) }, `${label(actor)} -> ${label(owner)}`).toEqual(expected);
          const del = await t.api('DELETE', `/api/notes/${noteId}`, actor.token);
          expect({ status: del.status, code: await codeOf(del) }).toEqual(expected);
          if (expected.status === 404) tally.notFound += 2;
          else tally.forbidden += 2;
        }
      }
    }
    expect(tally.notFound).toBeGreaterThan(tally.forbidden);
    // Every note is still there with the body its author gave it.
    for (const owner of seats) {
      const listed = await listAll(owner.token);
      for (const [i, noteId] of owner.notes.entries()) {
        expect(listed.find((n) => n.id === noteId)?.body).toBe(`${label(owner)} #${i}`);
      }
    }
  });

  it('POST /api/session/refresh keeps the tenant, user and context of the session it refreshes', async () => {
    for (const seat of seats) {
      const response = await t.api('POST', '/api/session/refresh', seat.token);
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      const [before, after] = [claimsOf(seat.token), claimsOf(token)];
      expect({ sub: after.sub, tid: after.tid, ctx: after.ctx, sid: after.sid }).toEqual({ sub: before.sub, tid: before.tid, ctx: before.ctx, sid: before.sid });
      expect(after.tid).toBe(seat.tenant.id);
      seat.token = token;
    }
  });

  it('POST /api/session opens a session in the tenant that signed the launch, whatever the claims say', async () => {
    const [home, other] = tenants as [TestTenant, TestTenant];
    // Claims naming the other tenant's id and the other tenant's user are only data.
    const jwt = t.launchToken({ sub: 'alice', ctx: 'page:1', tid: other.id, sid: seats[0]!.token }, home);
    const response = await t.api('POST', '/api/session', undefined, { jwt });
    expect(response.status).toBe(200);
    const opened = (await response.json()) as { token: string; user: { id: string } };
    expect(claimsOf(opened.token).tid).toBe(home.id);
    expect(opened.user.id).toBe(seats.find((s) => s.tenant === home && s.sub === 'alice')!.userId);

    // Another tenant's issuer with this tenant's secret (or the reverse) is refused.
    const crossSigned = signHs256(t.launchClaims(other.issuer, { sub: 'alice' }), home.secret);
    const refused = await t.api('POST', '/api/session', undefined, { jwt: crossSigned });
    expect({ status: refused.status, code: await codeOf(refused) }).toEqual({ status: 401, code: 'launch_invalid' });
  });

  it('refuses host user ids and contexts that the database could not keep apart (NUL, unpaired surrogates)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ sub: 'alice\ud800' }, 'launch_invalid'],
      [{ sub: 'alice\udbff' }, 'launch_invalid'],
      [{ sub: 'al\u0000ice' }, 'launch_invalid'],
      [{ ctx: 'page:1\u0000' }, 'launch_invalid'],
      [{ ctx: 'page:\udc01' }, 'launch_invalid'],
      [{ name: 'Eve\udc00' }, 'launch_invalid'],
      [{ jti: `${'j'.repeat(30)}\ud800` }, 'launch_invalid'],
      [{ iss: `${t.tenant.issuer}\u0000` }, 'unknown_issuer'],
    ];
    for (const [claims, code] of cases) {
      const jwt = signHs256(t.launchClaims(t.tenant.issuer, claims), t.tenant.secret);
      const response = await t.api('POST', '/api/session', undefined, { jwt });
      expect({ status: response.status, code: await codeOf(response) }, JSON.stringify(claims)).toEqual({ status: 401, code });
    }
  });

  it('refuses a session token signed with our own key whose user, tenant or context disagree with its session (nothing is written)', async () => {
    const [mine, other] = [seats.find((s) => s.tenant === tenants[0])!, seats.find((s) => s.tenant === tenants[1])!];
    const sameTenantOther = seats.find((s) => s.tenant === mine.tenant && s.sub !== mine.sub)!;
    const sid = claimsOf(mine.token).sid as string;
    const rules = { issuer: t.config.sessionIssuer, audience: t.config.sessionAudience, ttl: t.config.sessionTtl, clockSkew: t.config.clockSkew };
    const forge = (claims: { sub: string; tid: string; ctx: string; sid: string }) => issueSessionToken(t.ring, claims, t.clock.nowSec(), rules).token;
    const base = { sub: mine.userId, tid: mine.tenant.id, ctx: mine.ctx, sid };
    const before = await t.db('notes').count({ n: '*' });
    for (const claims of [
      { ...base, tid: other.tenant.id, sub: other.userId },
      { ...base, sub: sameTenantOther.userId },
      { ...base, ctx: mine.ctx === 'page:1' ? 'page:2' : 'page:1' },
      { ...base, sub: '\u0000' },
      { ...base, sid: 'not-a-session-id' },
    ]) {
      const response = await t.api('POST', '/api/notes', forge(claims), { body: 'forged' });
      expect({ status: response.status, code: await codeOf(response) }, JSON.stringify(claims)).toEqual({ status: 401, code: 'token_invalid' });
    }
    expect(await t.db('notes').count({ n: '*' })).toEqual(before);
    // The same forge with matching claims is simply a valid token: the check is on agreement, not on origin.
    expect((await t.api('GET', '/api/me', forge(base))).status).toBe(200);
  });

  it('POST /api/session/logout ends only the caller\'s session, in no other tenant or context', async () => {
    const [victim, ...others] = seats;
    const twin = others.find((s) => s.sub === victim!.sub && s.ctx === victim!.ctx && s.tenant !== victim!.tenant)!;
    expect(twin).toBeDefined();
    expect((await t.api('POST', '/api/session/logout', victim!.token)).status).toBe(204);
    const after = await t.api('GET', '/api/me', victim!.token);
    expect({ status: after.status, code: await codeOf(after) }).toEqual({ status: 401, code: 'session_revoked' });
    for (const seat of others) {
      expect((await t.api('GET', '/api/me', seat.token)).status, label(seat)).toBe(200);
    }
  });
});
