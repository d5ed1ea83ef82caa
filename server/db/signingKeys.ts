import type { SecretBox } from '../secrets/secretBox.ts';
import type { Db } from './connect.ts';
import { openedValue, sealedValues, SIGNING_SECRETS } from './sealedSecrets.ts';

/** One of our own session-signing keys as stored (shared by every server node). */
export interface StoredSigningKey {
  kid: string;
  alg: 'HS256';
  secret: string; // base64url, in clear here; sealed in the database
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

/** The shared table; each key's secret is sealed with `secrets` on the way in and opened on the way out. */
export function signingKeyStore(db: Db, secrets: SecretBox): SigningKeyStore {
  return {
    async list(): Promise<StoredSigningKey[]> {
      const rows = await db('signing_keys').select('*').orderBy('created_at');
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        secret: openedValue(secrets, SIGNING_SECRETS, r),
        createdAt: Number(r.created_at),
        retiredAt: r.retired_at === null ? null : Number(r.retired_at),
      }));
    },
    async insert(key) {
      await db('signing_keys').insert({ kid: key.kid, alg: key.alg, ...sealedValues(secrets, SIGNING_SECRETS, key.kid, key.secret), created_at: key.createdAt, retired_at: key.retiredAt });
    },
    async retire(kid, at) {
      await db('signing_keys').where({ kid }).whereNull('retired_at').update({ retired_at: at });
    },
    async removeRetiredBefore(before) {
      return db('signing_keys').whereNotNull('retired_at').where('retired_at', '<', before).delete();
    },
  };
}
