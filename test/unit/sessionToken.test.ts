import crypto from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { SessionKeyRing } from '../../server/auth/session/sessionKeyRing.ts';
import { issueSessionToken, verifySessionToken } from '../../server/auth/session/sessionToken.ts';
import { WidgetError } from '../../server/errors.ts';
import { FakeClock } from '../helpers/fakeClock.ts';
import { memorySigningKeyStore } from '../../support/memorySigningKeyStore.ts';

const rules = { issuer: 'https://widget.example', audience: 'https://widget.example/api', ttl: 300, clockSkew: 30 };
const subject = { sub: crypto.randomUUID(), tid: crypto.randomUUID(), ctx: 'page:1', sid: crypto.randomUUID() };

let clock: FakeClock;
let ring: SessionKeyRing;
beforeEach(async () => {
  clock = new FakeClock();
  // A fresh ring has a key id no test has verified a token for yet.
  ring = await new SessionKeyRing(memorySigningKeyStore(), clock).init();
});

const issue = (overrides: Partial<typeof subject> = {}) => issueSessionToken(ring, { ...subject, ...overrides }, clock.nowSec(), rules).token;
const verify = (token: string) => verifySessionToken(token, ring, clock.nowSec(), rules);

async function outcome(token: string): Promise<string> {
  try {
    return `ok ${(await verify(token)).sid}`;
  } catch (err) {
    if (err instanceof WidgetError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const sign = (input: string, key = ring.signingKey().key) => `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
const parts = (token: string) => token.split('.') as [string, string, string];

/** Tokens a client or an attacker could send, each built on a real token of this ring. */
function hostileTokens(): Record<string, string> {
  const token = issue();
  const [h, p, s] = parts(token);
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  // The last character of a 32-byte base64url signature carries 2 unused bits.
  const last = s.at(-1)!;
  const respelled = s.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) ^ 1);
  return {
    'a tampered payload': `${h}.${b64({ ...claims, sub: crypto.randomUUID() })}.${s}`,
    'another spelling of the signature': `${h}.${p}.${respelled}`,
    'a signature from another key': sign(`${h}.${p}`, crypto.createSecretKey(crypto.randomBytes(32))),
    'a fourth segment': `${token}.${s}`,
    'an empty signature': `${h}.${p}.`,
    'a payload that is not JSON': sign(`${h}.${b64('not json')}`),
    'a payload that is an array': sign(`${h}.${b64([claims])}`),
    'a payload with a member twice': sign(`${h}.${b64(JSON.stringify(claims).replace('{', '{"sub":"x",'))}`),
    'a payload without sid': sign(`${h}.${b64({ ...claims, sid: undefined })}`),
    'a payload for another audience': sign(`${h}.${b64({ ...claims, aud: 'https://elsewhere.example' })}`),
    'an expired payload': sign(`${h}.${b64({ ...claims, exp: clock.nowSec() - 31 })}`),
    'the same header re-spelled with a space': sign(`${b64(Buffer.from(h, 'base64url').toString().replace(':', ': '))}.${p}`),
  };
}

describe('verifySessionToken', () => {
  it('accepts a token it issued, again and again, with the same claims', async () => {
    const token = issue();
    const first = await verify(token);
    const second = await verify(token);
    expect(first).toEqual(second);
    expect(first).toMatchObject({ ...subject, iss: rules.issuer, aud: rules.audience, exp: clock.nowSec() + 300 });
  });

  it('gives every token its own claims when more tokens are in use than payloads are kept', async () => {
    // 3,000 tokens against 1,024 kept payloads: slots are shared and overwritten, in turn and again.
    const sids = Array.from({ length: 3000 }, () => crypto.randomUUID());
    const tokens = sids.map((sid) => issue({ sid }));
    for (let round = 0; round < 2; round++) {
      for (const [i, token] of tokens.entries()) expect((await verify(token)).sid).toBe(sids[i]);
    }
    // A payload kept for a token does not outlive its expiry either.
    clock.advance(331);
    expect(await outcome(tokens[0]!)).toMatch(/^token_expired:/);
  });

  it('answers every hostile token the same before and after the key\'s header is known', async () => {
    const tokens = hostileTokens();
    const cold: Record<string, string> = {};
    for (const [name, token] of Object.entries(tokens)) cold[name] = await outcome(token);
    await verify(issue()); // the header of this ring's key is now known
    const warm: Record<string, string> = {};
    for (const [name, token] of Object.entries(tokens)) warm[name] = await outcome(token);
    expect(warm).toEqual(cold);
    // And each of them is refused for the reason the protocol gives.
    expect(cold['a tampered payload']).toBe('token_invalid: The token signature is invalid.');
    expect(cold['another spelling of the signature']).toMatch(/^token_invalid: The token is malformed/);
    expect(cold['a payload with a member twice']).toMatch(/^token_invalid: The token is malformed: .*"sub" twice/);
    expect(cold['an expired payload']).toMatch(/^token_expired:/);
    expect(cold['the same header re-spelled with a space']).toMatch(/^ok /);
  });

  it('stops accepting tokens of a key once the ring forgets it, even with a known header', async () => {
    const token = issue();
    await verify(token);
    await ring.rotate();
    clock.advance(331);
    await ring.maintain(3600_000, 330_000);
    clock.advance(2); // past the ring's one-reload-per-second guard for unknown kids
    expect(await outcome(token)).toBe('token_invalid: The token was signed by an unknown key.');
  });

  it('refuses a token signed by a retired key but dated after its retirement, with a known header', async () => {
    const token = issue();
    await verify(token);
    const [h, p] = parts(token);
    const retiredKey = ring.signingKey().key;
    await ring.rotate();
    clock.advance(120);
    const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), iat: clock.nowSec(), exp: clock.nowSec() + 300 };
    expect(await outcome(sign(`${h}.${b64(claims)}`, retiredKey))).toBe('token_invalid: The token was signed by a retired key.');
  });
});
