import crypto from 'node:crypto';
import { SessionKeyRing } from '../server/auth/session/sessionKeyRing.ts';
import { issueSessionToken, verifySessionToken } from '../server/auth/session/sessionToken.ts';
import { memorySigningKeyStore } from '../support/memorySigningKeyStore.ts';
import { median } from './measure.ts';

// In-process cost of verifying one session token (what every API call pays
// before its revocation check), against the floor any HS256 verifier pays:
// one HMAC-SHA256 over the signing input, a constant-time compare, and
// JSON.parse of the payload.

export interface TokenVerifyResult {
  verifyNs: number;
  floorNs: number;
  ratio: number;
}

function rawFloor(token: string, key: crypto.KeyObject): unknown {
  const dot = token.lastIndexOf('.');
  const expected = crypto.createHmac('sha256', key).update(token.slice(0, dot)).digest();
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new Error('bad signature');
  return JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, dot), 'base64url').toString());
}

/** Alternating batches of each, so that a noisy neighbour slows both alike; medians of ns per token. */
export async function measureTokenVerify({ batches, perBatch }: { batches: number; perBatch: number }): Promise<TokenVerifyResult> {
  const clock = { now: () => Date.now() };
  const ring = await new SessionKeyRing(memorySigningKeyStore(), clock).init();
  const rules = { issuer: 'https://widget.bench.test', audience: 'https://widget.bench.test/api', ttl: 300, clockSkew: 30 };
  const nowSec = Math.floor(Date.now() / 1000);
  // Twice as many tokens as the verifier keeps decoded payloads of (sessionToken.ts), taken in turn:
  // every verify here is a token's first, the slowest case, not the repeat a widget's next call is.
  const tokens = Array.from({ length: 2048 }, () =>
    issueSessionToken(ring, { sub: crypto.randomUUID(), tid: crypto.randomUUID(), ctx: 'page:42', sid: crypto.randomUUID() }, nowSec, rules),
  );
  const { token, claims } = tokens[0]!;
  const key = ring.signingKey().key;

  // Both must accept the token, or the comparison means nothing.
  const verified = await verifySessionToken(token, ring, nowSec, rules);
  if (verified.sid !== claims.sid || (rawFloor(token, key) as { sid: string }).sid !== claims.sid) throw new Error('token verify bench: token not accepted');

  const verifyNs: number[] = [];
  const floorNs: number[] = [];
  for (let b = 0; b < batches; b++) {
    let start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await verifySessionToken(tokens[i % tokens.length]!.token, ring, nowSec, rules);
    verifyNs.push(Number(process.hrtime.bigint() - start) / perBatch);

    start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) rawFloor(tokens[i % tokens.length]!.token, key);
    floorNs.push(Number(process.hrtime.bigint() - start) / perBatch);
  }
  // The first batch of each is the warm-up (JIT).
  const v = median(verifyNs.slice(1));
  const f = median(floorNs.slice(1));
  return { verifyNs: v, floorNs: f, ratio: v / f };
}
