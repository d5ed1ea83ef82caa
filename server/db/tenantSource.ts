import type { TenantSource } from '../auth/tenantDirectory.ts';
import type { Db } from './connect.ts';
import { listTenantKeys } from './tenantKeys.ts';
import { findTenantByIssuer } from './tenants.ts';

export function dbTenantSource(db: Db): TenantSource {
  return {
    async findByIssuer(issuer) {
      const tenant = await findTenantByIssuer(db, issuer);
      if (!tenant) return undefined;
      return { tenant: { id: tenant.id, issuer: tenant.issuer, origins: tenant.origins }, keys: await listTenantKeys(db, tenant.id) };
    },
  };
}
