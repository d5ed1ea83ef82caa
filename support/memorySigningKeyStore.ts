import type { SigningKeyStore, StoredSigningKey } from '../server/db/signingKeys.ts';

/** The signing-key table in memory, for a real SessionKeyRing without a database. */
export function memorySigningKeyStore(): SigningKeyStore {
  let keys: StoredSigningKey[] = [];
  return {
    list: async () => keys.map((k) => ({ ...k })),
    insert: async (key) => void keys.push({ ...key }),
    retire: async (kid, at) => {
      for (const k of keys) if (k.kid === kid && k.retiredAt === null) k.retiredAt = at;
    },
    removeRetiredBefore: async (before) => {
      const kept = keys.filter((k) => k.retiredAt === null || k.retiredAt >= before);
      const removed = keys.length - kept.length;
      keys = kept;
      return removed;
    },
  };
}
