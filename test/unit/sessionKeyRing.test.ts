import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RELOAD_RETRY_MS, SessionKeyRing } from '../../server/auth/session/sessionKeyRing.ts';
import { logUnhandledRejections } from '../../server/unhandledRejections.ts';
import { FakeClock } from '../helpers/fakeClock.ts';
import { memorySigningKeyStore } from '../../support/memorySigningKeyStore.ts';
import { recordingLogger } from '../helpers/recordingLogger.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the session key ring when the database fails', () => {
  async function flakyRing() {
    const clock = new FakeClock();
    const store = memorySigningKeyStore();
    const state = { failing: false, lists: 0 };
    const flaky = {
      ...store,
      list: async () => {
        state.lists++;
        if (state.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return store.list();
      },
    };
    const { lines, logger } = recordingLogger();
    const ring = await new SessionKeyRing(flaky, clock, 30_000, logger).init();
    return { clock, state, lines, ring };
  }

  it('keeps signing with the keys it has, logs the failed background reread, and tries again later', async () => {
    const { clock, state, lines, ring } = await flakyRing();
    const kid = ring.signingKey().kid;
    state.failing = true;
    clock.advance(31); // past CACHE_TTL: signingKey() rereads in the background
    expect(ring.signingKey().kid).toBe(kid);
    await settle();
    expect(lines).toEqual([{ event: 'session_keys_reload_failed', error: 'connect ECONNREFUSED 127.0.0.1:5432', retryInMs: RELOAD_RETRY_MS }]);
    const asked = state.lists;
    // Not on every call while the database is down.
    for (let i = 0; i < 10; i++) ring.signingKey();
    await settle();
    expect(state.lists).toBe(asked);
    clock.advance(RELOAD_RETRY_MS / 1000);
    state.failing = false;
    ring.signingKey();
    await settle();
    expect(state.lists).toBe(asked + 1);
    expect(lines).toHaveLength(1);
  });

  it('answers an unknown kid with no key, rather than failing the request, while the database is down', async () => {
    const { clock, state, lines, ring } = await flakyRing();
    state.failing = true;
    clock.advance(2);
    await expect(ring.verificationKey('minted-by-another-node')).resolves.toBeUndefined();
    expect(lines.map((l) => l.event)).toEqual(['session_keys_reload_failed']);
  });
});

describe('the process-wide policy for unhandled rejections', () => {
  it('logs the rejection as an error and leaves the process running', () => {
    const proc = new EventEmitter();
    const { lines, logger } = recordingLogger();
    logUnhandledRejections(proc as unknown as NodeJS.Process, logger);
    proc.emit('unhandledRejection', new Error('nobody awaited this'), Promise.resolve());
    expect(lines).toEqual([{ event: 'unhandled_rejection', error: expect.stringContaining('Error: nobody awaited this') }]);
  });
});
