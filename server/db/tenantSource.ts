import type { Db } from './connect.ts';
import { listTenantKeys, type StoredTenantKey } from './tenantKeys.ts';
import { findTenantByIssuer } from './tenants.ts';

/** What launch verification needs of a tenant: who it is, where it may be framed, and its keys. */
export interface TenantWithKeys {
  tenant: { id: string; issuer: string; origins: string[] };
  keys: StoredTenantKey[];
}

export interface TenantSource {
  findByIssuer(issuer: string): Promise<TenantWithKeys | undefined>;
}

export function dbTenantSource(db: Db): TenantSource {
  return {
    async findByIssuer(issuer) {
      const tenant = await findTenantByIssuer(db, issuer);
      if (!tenant) return undefined;
      return { tenant: { id: tenant.id, issuer: tenant.issuer, origins: tenant.origins }, keys: await listTenantKeys(db, tenant.id) };
    },
  };
}
