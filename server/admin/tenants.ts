import crypto from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import { MIN_SECRET_BYTES } from '../auth/verificationKey.ts';
import type { Db } from '../db/connect.ts';
import { isUniqueViolation } from '../db/isUniqueViolation.ts';
import { insertTenantKey, listTenantKeys } from '../db/tenantKeys.ts';
import { findTenantByIssuer, insertTenant, setTenantOrigins, type TenantRow } from '../db/tenants.ts';

// Tenant registration, shared by the CLI and the development tenant.

export class AdminInputError extends Error {}

/** An origin as browsers send it (scheme://host[:port]); anything else would break or widen the CSP. */
export function parseOrigin(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AdminInputError(`"${raw}" is not an origin; use the form https://host.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AdminInputError(`"${raw}" must use https (or http for local development)`);
  if (url.origin !== raw.replace(/\/$/, '')) {
    throw new AdminInputError(`"${raw}" is not a bare origin: drop the path, query and credentials (did you mean ${url.origin}?)`);
  }
  return url.origin;
}

export function parseIssuer(raw: string): string {
  const issuer = raw.trim();
  if (issuer.length === 0 || issuer.length > 255 || issuer !== raw) throw new AdminInputError('the issuer must be 1-255 characters without surrounding spaces');
  // Control characters are never part of a real issuer, and PostgreSQL cannot store NUL.
  if (/[\u0000-\u001f\u007f]/.test(issuer)) throw new AdminInputError('the issuer must not contain control characters');
  return issuer;
}

export const newSharedSecret = () => crypto.randomBytes(MIN_SECRET_BYTES).toString('base64url');

export interface RegisteredTenant {
  id: string;
  issuer: string;
  origins: string[];
  secret: string;
}

export async function registerHs256Tenant(db: Db, input: { issuer: string; origins: string[]; now: number; kid?: string | null }): Promise<RegisteredTenant> {
  const issuer = parseIssuer(input.issuer);
  const origins = input.origins.map(parseOrigin);
  if (origins.length === 0) throw new AdminInputError('give at least one --origin: the host page origin allowed to frame the widget');
  if (await findTenantByIssuer(db, issuer)) throw new AdminInputError(`a tenant with issuer "${issuer}" already exists`);
  const tenant: TenantRow = { id: uuidv4(), issuer, origins, createdAt: input.now };
  const secret = newSharedSecret();
  try {
    await db.transaction(async (trx) => {
      await insertTenant(trx, tenant);
      await insertTenantKey(trx, { id: uuidv4(), tenantId: tenant.id, kid: input.kid ?? null, alg: 'HS256', kind: 'secret', material: secret, createdAt: input.now });
    });
  } catch (err) {
    // Registered by someone else between our check and the insert (another node or admin).
    if (isUniqueViolation(err)) throw new AdminInputError(`a tenant with issuer "${issuer}" already exists`);
    throw err;
  }
  return { id: tenant.id, issuer, origins, secret };
}

export const DEV_TENANT_ISSUER = 'dev-harness';

/** Outside production: the harness's tenant, created on first start and kept in step with HARNESS_PORT. */
export async function ensureDevTenant(db: Db, harnessOrigin: string, now: number): Promise<RegisteredTenant> {
  const existing = await findTenantByIssuer(db, DEV_TENANT_ISSUER);
  if (!existing) return registerHs256Tenant(db, { issuer: DEV_TENANT_ISSUER, origins: [harnessOrigin], now });
  if (!existing.origins.includes(harnessOrigin)) {
    existing.origins = [...existing.origins, harnessOrigin];
    await setTenantOrigins(db, existing.id, existing.origins);
  }
  const key = (await listTenantKeys(db, existing.id)).find((k) => k.alg === 'HS256' && k.kind === 'secret');
  if (!key) throw new Error(`the development tenant "${DEV_TENANT_ISSUER}" has no HS256 key; remove it with \`npm run tenant -- remove --issuer ${DEV_TENANT_ISSUER}\``);
  return { id: existing.id, issuer: existing.issuer, origins: existing.origins, secret: key.material };
}
