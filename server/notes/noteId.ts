import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// uuid draws each id's 16 random bytes with crypto.getRandomValues: WebCrypto's
// argument checks and a call into OpenSSL per id, 5.4 us against 0.3 us when
// the bytes come from a pool filled 256 ids at a time (as crypto.randomUUID
// itself does). The bytes are the same CSPRNG's; each is used once.

const IDS_PER_FILL = 256;
const pool = new Uint8Array(16 * IDS_PER_FILL);
let used = IDS_PER_FILL;

function nextRandom16(): Uint8Array {
  if (used === IDS_PER_FILL) {
    randomFillSync(pool);
    used = 0;
  }
  return pool.subarray(16 * used, 16 * ++used);
}

/** A new note's id: time-ordered (UUIDv7), so new notes land at the end of the primary-key index instead of anywhere in it. */
export const newNoteId = (now: number): string => uuidv7({ msecs: now, rng: nextRandom16 });
