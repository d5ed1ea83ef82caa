import type { LaunchAlg } from '../../contract/launch.ts';
import type { SecretBox } from '../secrets/secretBox.ts';
import type { Db } from './connect.ts';
import { KEK_ID, openedValue, sealedValues, TENANT_SECRETS } from './sealedSecrets.ts';

export type KeyKind = 'secret' | 'pem' | 'jwks';

/** A tenant's verification key as launch verification uses it: the algorithm is fixed with it. */
export interface StoredTenantKey {
  id: string;
  kid: string | null;
  alg: LaunchAlg;
  kind: KeyKind;
  /** The HS256 secret (opened), the SPKI PEM, or the JWKS URL. */
  material: string;
}

/** A key to register: its secret in clear, sealed by insertTenantKey. */
export interface NewTenantKey extends StoredTenantKey {
  tenantId: string;
  createdAt: number;
}

/** A key as listed: public material in clear, a shared secret still sealed (openTenantKey opens it). */
export type TenantKeyRow = { id: string; tenantId: string; kid: string | null; alg: LaunchAlg; createdAt: number } & (
  | { kind: 'secret'; sealed: Record<string, unknown> }
  | { kind: 'pem' | 'jwks'; material: string }
);

interface RawKey {
  id: string;
  tenant_id: string;
  kid: string | null;
  alg: string;
  kind: string;
  material: string;
  kek_id: string | null;
  created_at: number;
}

function fromRow(r: RawKey): TenantKeyRow {
  const base = { id: r.id, tenantId: r.tenant_id, kid: r.kid, alg: r.alg as LaunchAlg, createdAt: Number(r.created_at) };
  return r.kind === 'secret' ? { ...base, kind: 'secret', sealed: { ...r } } : { ...base, kind: r.kind as 'pem' | 'jwks', material: r.material };
}

export async function insertTenantKey(db: Db, secrets: SecretBox, key: NewTenantKey): Promise<void> {
  await db('tenant_keys').insert({
    id: key.id,
    tenant_id: key.tenantId,
    kid: key.kid,
    alg: key.alg,
    kind: key.kind,
    // Public keys and URLs are no secret; a shared secret never reaches the database in clear.
    ...(key.kind === 'secret' ? sealedValues(secrets, TENANT_SECRETS, key.id, key.material) : { material: key.material, [KEK_ID]: null }),
    created_at: key.createdAt,
  });
}

export async function listTenantKeys(db: Db, tenantId: string): Promise<TenantKeyRow[]> {
  return (await db<RawKey>('tenant_keys').where({ tenant_id: tenantId }).orderBy('created_at')).map(fromRow);
}

/** The key as verification needs it; throws SecretUnreadable when its secret cannot be opened here. */
export function openTenantKey(secrets: SecretBox, row: TenantKeyRow): StoredTenantKey {
  const material = row.kind === 'secret' ? openedValue(secrets, TENANT_SECRETS, row.sealed) : row.material;
  return { id: row.id, kid: row.kid, alg: row.alg, kind: row.kind, material };
}

export async function deleteTenantKey(db: Db, tenantId: string, keyId: string): Promise<boolean> {
  return (await db('tenant_keys').where({ tenant_id: tenantId, id: keyId }).delete()) > 0;
}
