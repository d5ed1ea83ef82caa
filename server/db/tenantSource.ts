import { SecretUnreadable, type SecretBox } from '../secrets/secretBox.ts';
import type { Db } from './connect.ts';
import { listTenantKeys, openTenantKey, type StoredTenantKey } from './tenantKeys.ts';
import { findTenantByIssuer } from './tenants.ts';

/** What launch verification needs of a tenant: who it is, where it may be framed, and its keys. */
export interface TenantWithKeys {
  tenant: { id: string; issuer: string; origins: string[] };
  keys: StoredTenantKey[];
  /** Keys whose secret could not be opened here (its secrets key is not configured), and why. */
  unreadable?: Array<{ keyId: string; reason: string }>;
}

export interface TenantSource {
  findByIssuer(issuer: string): Promise<TenantWithKeys | undefined>;
}

export function dbTenantSource(db: Db, secrets: SecretBox): TenantSource {
  return {
    async findByIssuer(issuer) {
      const tenant = await findTenantByIssuer(db, issuer);
      if (!tenant) return undefined;
      const found: TenantWithKeys = { tenant: { id: tenant.id, issuer: tenant.issuer, origins: tenant.origins }, keys: [] };
      for (const row of await listTenantKeys(db, tenant.id)) {
        try {
          found.keys.push(openTenantKey(secrets, row));
        } catch (err) {
          if (!(err instanceof SecretUnreadable)) throw err;
          (found.unreadable ??= []).push({ keyId: row.id, reason: err.message });
        }
      }
      return found;
    },
  };
}
