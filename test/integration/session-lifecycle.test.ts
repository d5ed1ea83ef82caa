import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/connect.ts';
import { deleteEndedSessions, revokeTenantSessions, revokeUserSessions } from '../../server/db/sessions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ env: { SESSION_MAX_AGE: '900' } });
});
afterEach(() => t.close());

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

async function refresh(token: string): Promise<Response> {
  return t.api('POST', '/api/session/refresh', token);
}

describe('POST /api/session/refresh', () => {
  it('returns a new token for the same sid before expiry', async () => {
    const { token } = await t.launch();
    t.clock.advance(200);
    const response = await refresh(token);
    expect(response.status).toBe(200);
    const body = await response.json();
    const before = claimsOf(token);
    const after = claimsOf(body.token);
    expect(after.sid).toBe(before.sid);
    expect(after.sub).toBe(before.sub);
    expect(after.jti).not.toBe(before.jti);
    expect(after.exp).toBe(t.clock.nowSec() + 300);
    expect(body.expiresAt).toBe(new Date(after.exp * 1000).toISOString());
    expect((await t.api('GET', '/api/me', body.token)).status).toBe(200);
  });

  it('is refused with token_expired once the token has lapsed (an idle widget cannot come back by refreshing)', async () => {
    const { token } = await t.launch();
    t.clock.advance(300 + 31);
    const response = await refresh(token);
    expect(response.status).toBe(401);
    expect(await codeOf(response)).toBe('token_expired');
  });

  it('never extends a session past its absolute lifetime (SESSION_MAX_AGE)', async () => {
    let { token } = await t.launch();
    // Refresh every 4 minutes, like an active widget, until the 15-minute cap.
    for (let i = 0; i < 3; i++) {
      t.clock.advance(240);
      const response = await refresh(token);
      expect(response.status).toBe(200);
      token = (await response.json()).token;
    }
    // 720 s in: the new token is capped at the session end (900 s), not 300 s ahead.
    const launchedAt = t.clock.nowSec() - 720;
    expect(claimsOf(token).exp).toBe(launchedAt + 900);
    t.clock.advance(181);
    const capped = await refresh(token);
    expect(capped.status).toBe(401);
    expect(await codeOf(capped)).toBe('session_revoked');
  });
});

describe('ended sessions', () => {
  it('are deleted by the upkeep once past their absolute end, and live ones are kept', async () => {
    await t.launch({ sub: 'early' });
    t.clock.advance(600);
    const fresh = await t.launch({ sub: 'late' });
    t.clock.advance(301); // the first session (900 s) has ended, the second has not
    expect(await deleteEndedSessions(t.db, t.clock.now())).toBe(1);
    const left = await t.db('sessions').select('id');
    expect(left.map((r) => r.id)).toEqual([JSON.parse(Buffer.from(fresh.token.split('.')[1]!, 'base64url').toString()).sid]);
  });
});

describe('POST /api/session/logout', () => {
  it('answers 204 and revokes every token of the session at once', async () => {
    const { token } = await t.launch();
    const refreshed = (await (await refresh(token)).json()).token as string;
    const response = await t.api('POST', '/api/session/logout', token);
    expect(response.status).toBe(204);
    for (const stale of [token, refreshed]) {
      const me = await t.api('GET', '/api/me', stale);
      expect(me.status).toBe(401);
      expect(await codeOf(me)).toBe('session_revoked');
      expect(await codeOf(await refresh(stale))).toBe('session_revoked');
    }
  });

  it('leaves the same user\'s other sessions alone', async () => {
    const a = await t.launch({ sub: 'multi-tab' });
    const b = await t.launch({ sub: 'multi-tab' });
    await t.api('POST', '/api/session/logout', a.token);
    expect((await t.api('GET', '/api/me', b.token)).status).toBe(200);
  });
});

describe('administrative revocation', () => {
  it('revoking a user ends all of that user\'s sessions and no one else\'s', async () => {
    const a = await t.launch({ sub: 'target' });
    const b = await t.launch({ sub: 'target' });
    const other = await t.launch({ sub: 'bystander' });
    // Checked once before, so this node remembers the session as live: the revocation must still hold at once here.
    expect((await t.api('GET', '/api/me', a.token)).status).toBe(200);
    expect(await revokeUserSessions(t.db, a.bootstrap.user.id, t.clock.now())).toBe(2);
    expect(await codeOf(await t.api('GET', '/api/me', a.token))).toBe('session_revoked');
    expect(await codeOf(await t.api('GET', '/api/me', b.token))).toBe('session_revoked');
    expect((await t.api('GET', '/api/me', other.token)).status).toBe(200);
  });

  it('revoking a tenant ends its sessions only', async () => {
    const second = await t.addTenant('other-host');
    const mine = await t.launch();
    const theirs = await t.launch({}, second);
    await revokeTenantSessions(t.db, t.tenant.id, t.clock.now());
    expect(await codeOf(await t.api('GET', '/api/me', mine.token))).toBe('session_revoked');
    expect((await t.api('GET', '/api/me', theirs.token)).status).toBe(200);
  });

  it('holds on a node that did not make it once REVOCATION_DELAY_MS has passed (docs/protocol.md, revocation)', async () => {
    const { token, bootstrap } = await t.launch({ sub: 'elsewhere' });
    expect((await t.api('GET', '/api/me', token)).status).toBe(200);
    // Another node, or the admin CLI: its own handle on the same database.
    const otherNode = createDb(t.config.database);
    try {
      await revokeUserSessions(otherNode, bootstrap.user.id, t.clock.now());
    } finally {
      await otherNode.destroy();
    }
    // The stated bound, not an accident: this node answers from its read of the session until it is that old.
    expect((await t.api('GET', '/api/me', token)).status).toBe(200);
    t.clock.advance(t.config.revocationDelayMs / 1000);
    expect(await codeOf(await t.api('GET', '/api/me', token))).toBe('session_revoked');
    expect(await codeOf(await refresh(token))).toBe('session_revoked');
  });
});

describe('POST /api/session (re-launch without reload)', () => {
  it('exchanges a fresh launch token for a new session', async () => {
    const response = await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ sub: 'relauncher', name: 'Re Launcher' }) });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.user.name).toBe('Re Launcher');
    expect(body.context).toBe('page:42');
    expect(Date.parse(body.expiresAt)).toBe((t.clock.nowSec() + 300) * 1000);
    expect((await t.api('GET', '/api/me', body.token)).status).toBe(200);
  });

  it('applies the same checks as /launch, replay included', async () => {
    const jwt = t.launchToken();
    expect((await t.api('POST', '/api/session', undefined, { jwt })).status).toBe(200);
    const replay = await t.api('POST', '/api/session', undefined, { jwt });
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe('launch_replayed');
    const expired = await t.api('POST', '/api/session', undefined, { jwt: t.launchToken({ iat: t.clock.nowSec() - 400, exp: t.clock.nowSec() - 100 }) });
    expect(await codeOf(expired)).toBe('launch_expired');
  });

  it('answers validation_failed for a body without jwt and for non-JSON', async () => {
    expect(await codeOf(await t.api('POST', '/api/session', undefined, { token: 'x' }))).toBe('validation_failed');
    const form = await fetch(`${t.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'jwt=abc' });
    expect(form.status).toBe(400);
  });

  it('does not take a session token in place of a launch token', async () => {
    const { token } = await t.launch();
    const response = await t.api('POST', '/api/session', undefined, { jwt: token });
    expect(response.status).toBe(401);
    expect(await codeOf(response)).toBe('launch_invalid');
  });
});

describe('key rotation', () => {
  it('keeps old tokens working until they expire while new ones use the new kid', async () => {
    const { token: oldToken } = await t.launch();
    const oldKid = headerOf(oldToken).kid;
    const fresh = await t.ring.rotate();
    expect(fresh.kid).not.toBe(oldKid);

    expect((await t.api('GET', '/api/me', oldToken)).status).toBe(200);
    const refreshed = (await (await refresh(oldToken)).json()).token as string;
    expect(headerOf(refreshed).kid).toBe(fresh.kid);
    const { token: newToken } = await t.launch();
    expect(headerOf(newToken).kid).toBe(fresh.kid);

    t.clock.advance(331);
    expect(await codeOf(await t.api('GET', '/api/me', oldToken))).toBe('token_expired');
  });

  it('rejects a token that claims to be signed by a retired key after its retirement', async () => {
    const { token } = await t.launch();
    const retiredKid = headerOf(token).kid;
    await t.ring.rotate();
    t.clock.advance(120);
    // Forge: take the retired key's secret and sign a token dated after retirement.
    const row = await t.db('signing_keys').where({ kid: retiredKid }).first();
    const crypto = await import('node:crypto');
    const claims = { ...claimsOf(token), iat: t.clock.nowSec(), exp: t.clock.nowSec() + 300 };
    const input = `${token.split('.')[0]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const forged = `${input}.${crypto.createHmac('sha256', Buffer.from(row.secret, 'base64url')).update(input).digest('base64url')}`;
    const response = await t.api('GET', '/api/me', forged);
    expect(response.status).toBe(401);
    expect(await codeOf(response)).toBe('token_invalid');
  });

  it('forgets retired keys once their tokens are past expiry, and rotates keys that are too old', async () => {
    const { token } = await t.launch();
    await t.ring.rotate();
    const lifetimeMs = (300 + 30) * 1000;
    expect(await t.ring.maintain(3600_000, lifetimeMs)).toEqual({ rotated: false, removed: 0 });
    t.clock.advance(331);
    expect(await t.ring.maintain(3600_000, lifetimeMs)).toEqual({ rotated: false, removed: 1 });
    expect(await codeOf(await t.api('GET', '/api/me', token))).toBe('token_invalid');
    t.clock.advance(3600);
    const result = await t.ring.maintain(3600_000, lifetimeMs);
    expect(result.rotated).toBe(true);
  });
});

describe('tokens are not interchangeable', () => {
  it('a launch token is not a bearer token', async () => {
    const response = await t.api('GET', '/api/me', t.launchToken());
    expect(response.status).toBe(401);
    expect(await codeOf(response)).toBe('token_invalid');
  });
});
