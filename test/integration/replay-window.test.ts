import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredLaunchJtis } from '../../server/db/launchJtis.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// A launch token is accepted until the end of second exp + CLOCK_SKEW (seconds are
// floored); its jti must be remembered at least that long, by every node's clock.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CLOCK_SKEW: '30' } });
});
afterAll(() => t.close());

const launch = (jwt: string) => t.api('POST', '/api/session', undefined, { jwt });
const codeOf = async (response: Response) => `${response.status} ${((await response.json()) as { error?: { code: string } }).error?.code ?? 'ok'}`;
/** What upkeep does on a node whose clock reads `offsetMs` more than ours. */
const upkeepOnNode = (offsetMs: number) => purgeExpiredLaunchJtis(t.db, t.clock.now() + offsetMs);
const jtiCount = async () => Number((await t.db('launch_jtis').count({ n: '*' }))[0]!.n);

describe('single use through the last accepted second', () => {
  it('refuses a replay in the final millisecond the token is accepted, after upkeep on any node purged spent jtis', async () => {
    const token = t.launchToken(); // iat = now (a whole second), exp = iat + 60
    expect(await codeOf(await launch(token))).toBe('200 ok');
    t.clock.advance(60 + 30 + 0.999); // the last millisecond of second exp + CLOCK_SKEW
    await upkeepOnNode(0);
    await upkeepOnNode(30_000); // a node whose clock runs 30 s ahead
    expect(await codeOf(await launch(token))).toBe('401 launch_replayed');
  });

  it('forgets the jti once no node could accept the token any more', async () => {
    const before = await jtiCount();
    const token = t.launchToken();
    expect(await codeOf(await launch(token))).toBe('200 ok');
    expect(await jtiCount()).toBe(before + 1);
    t.clock.advance(60 + 30 + 1 + 60 + 1);
    await upkeepOnNode(0);
    expect(await jtiCount()).toBe(0);
    expect(await codeOf(await launch(token))).toBe('401 launch_expired');
  });
});
