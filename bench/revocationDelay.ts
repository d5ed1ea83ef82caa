import type { Launcher } from './scenarios.ts';
import type { ServerProcess } from './servers.ts';

// The revocation bound (REVOCATION_DELAY_MS, docs/scaling.md), measured on two
// real nodes of one database: a session checked on both, then logged out on
// one. The node that answered the logout must refuse the token at once; the
// other within the bound. The other node is asked every POLL_MS: the last call
// it accepted was sent at most the bound after the logout's answer (what the
// bound promises, whatever the polling's resolution), and its first refusal
// came within a poll and a round trip of that.

export interface RevocationDelayResult {
  samples: number;
  /** The bound the nodes run with (their default). */
  boundMs: number;
  /** Every sample refused on the revoking node by its next call. */
  refusedAtOnceOnRevokingNode: boolean;
  /** From the logout's 204 to the sending of the last call the other node still accepted, in ms: the longest sample. */
  otherNodeLastAcceptedMs: number;
  /** From the logout's 204 to the other node's first 401, in ms: the longest sample. */
  otherNodeRefusedMs: number;
}

/** How often the other node is asked: part of what the measure can add to the bound. */
export const POLL_MS = 10;
const GIVE_UP_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function meStatus(server: ServerProcess, token: string): Promise<number> {
  const response = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

export async function measureRevocationDelay(revoking: ServerProcess, other: ServerProcess, launcher: Launcher, { samples, boundMs }: { samples: number; boundMs: number }): Promise<RevocationDelayResult> {
  let refusedAtOnce = true;
  let lastAcceptedMs = 0;
  let refusedMs = 0;
  for (let i = 0; i < samples; i++) {
    const token = await launcher.session(revoking.url, `bench:revocation-${i}`);
    // Both nodes have now checked the session and may remember it as live.
    if ((await meStatus(other, token)) !== 200 || (await meStatus(revoking, token)) !== 200) throw new Error('revocation bench: a fresh session was refused');
    const logout = await fetch(`${revoking.url}/api/session/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    const loggedOutAt = performance.now();
    if (logout.status !== 204) throw new Error(`revocation bench: logout answered ${logout.status}`);
    if ((await meStatus(revoking, token)) !== 401) refusedAtOnce = false;
    for (;;) {
      const sentAt = performance.now();
      if ((await meStatus(other, token)) === 401) break;
      lastAcceptedMs = Math.max(lastAcceptedMs, sentAt - loggedOutAt);
      if (performance.now() - loggedOutAt > GIVE_UP_MS) throw new Error(`revocation bench: the other node still accepted a logged-out session after ${GIVE_UP_MS} ms`);
      await sleep(POLL_MS);
    }
    refusedMs = Math.max(refusedMs, performance.now() - loggedOutAt);
  }
  return { samples, boundMs, refusedAtOnceOnRevokingNode: refusedAtOnce, otherNodeLastAcceptedMs: lastAcceptedMs, otherNodeRefusedMs: refusedMs };
}
