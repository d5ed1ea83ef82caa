import type { LaunchAlg } from '../../contract/launch.ts';
import type { Db } from './connect.ts';

export type KeyKind = 'secret' | 'pem' | 'jwks';

/** A tenant's verification key as registered: the algorithm is fixed with it. */
export interface StoredTenantKey {
  id: string;
  kid: string | null;
  alg: LaunchAlg;
  kind: KeyKind;
  /** The HS256 secret, the SPKI PEM, or the JWKS URL. */
  material: string;
}

export interface TenantKeyRow extends StoredTenantKey {
  tenantId: string;
  createdAt: number;
}

interface RawKey {
  id: string;
  tenant_id: string;
  kid: string | null;
  alg: string;
  kind: string;
  material: string;
  created_at: number;
}

const fromRow = (r: RawKey): TenantKeyRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  kid: r.kid,
  alg: r.alg as TenantKeyRow['alg'],
  kind: r.kind as TenantKeyRow['kind'],
  material: r.material,
  createdAt: Number(r.created_at),
});

export async function insertTenantKey(db: Db, key: TenantKeyRow): Promise<void> {
  await db('tenant_keys').insert({
    id: key.id,
    tenant_id: key.tenantId,
    kid: key.kid,
    alg: key.alg,
    kind: key.kind,
    material: key.material,
    created_at: key.createdAt,
  });
}

export async function listTenantKeys(db: Db, tenantId: string): Promise<TenantKeyRow[]> {
  return (await db<RawKey>('tenant_keys').where({ tenant_id: tenantId }).orderBy('created_at')).map(fromRow);
}

export async function deleteTenantKey(db: Db, tenantId: string, keyId: string): Promise<boolean> {
  return (await db('tenant_keys').where({ tenant_id: tenantId, id: keyId }).delete()) > 0;
}
