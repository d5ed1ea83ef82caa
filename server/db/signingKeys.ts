import type { Db } from './connect.ts';

/** One of our own session-signing keys as stored (shared by every server node). */
export interface StoredSigningKey {
  kid: string;
  alg: 'HS256';
  secret: string; // base64url
  createdAt: number;
  retiredAt: number | null;
}

/** The signing-key table; an in-memory one serves tests and the benchmark. */
export interface SigningKeyStore {
  list(): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  retire(kid: string, at: number): Promise<void>;
  /** Deletes keys retired before `before`; returns how many. */
  removeRetiredBefore(before: number): Promise<number>;
}

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
