import type { SigningKeyStore, StoredSigningKey } from '../auth/sessionKeyRing.ts';
import type { Db } from './connect.ts';

export function signingKeyStore(db: Db): SigningKeyStore {
  return {
    async list(): Promise<StoredSigningKey[]> {
      const rows = await db('signing_keys').select('*').orderBy('created_at');
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        secret: r.secret,
        createdAt: Number(r.created_at),
        retiredAt: r.retired_at === null ? null : Number(r.retired_at),
      }));
    },
    async insert(key) {
      await db('signing_keys').insert({ kid: key.kid, alg: key.alg, secret: key.secret, created_at: key.createdAt, retired_at: key.retiredAt });
    },
    async retire(kid, at) {
      await db('signing_keys').where({ kid }).whereNull('retired_at').update({ retired_at: at });
    },
    async removeRetiredBefore(before) {
      return db('signing_keys').whereNotNull('retired_at').where('retired_at', '<', before).delete();
    },
  };
}
