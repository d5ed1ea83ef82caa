import crypto from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import type { LaunchAlg } from '../../contract/launch.ts';
import { checkJwksUrl, JwksUrlError } from '../auth/launch/jwksFetcher.ts';
import { LTI_TENANT_PREFIX } from '../auth/lti/ltiPlatform.ts';
import { MIN_SECRET_BYTES } from '../auth/launch/verificationKey.ts';
import { MAX_CANDIDATE_KEYS } from '../auth/launch/verifyHostSignature.ts';
import type { Db } from '../db/connect.ts';
import type { SecretBox } from '../secrets/secretBox.ts';
import { isUniqueViolation } from '../db/isUniqueViolation.ts';
import { deleteTenantKey, insertTenantKey, listTenantKeys, openTenantKey, type NewTenantKey, type TenantKeyRow } from '../db/tenantKeys.ts';
import { countTenantContents, deleteTenant, findTenantByIssuer, insertTenant, listTenants, setTenantOrigins, type TenantContents, type TenantRow } from '../db/tenants.ts';
import { AdminInputError, fingerprintOf, parseAsymmetricAlg, parseIssuer, parseKid, parseOrigins, parsePublicKeyPem } from './adminInput.ts';

// The tenant registry: every way a tenant and its keys are created, changed,
// listed or removed, for the CLI and the development tenant alike. Input is
// validated (adminInput.ts) before anything is stored.

export const newSharedSecret = () => crypto.randomBytes(MIN_SECRET_BYTES).toString('base64url');

/** What an operator asks to register as one verification key. */
export type KeyInput =
  | { type: 'secret'; kid?: string | null }
  | { type: 'pem'; alg: string; pem: string; kid?: string | null }
  | { type: 'jwks'; alg: string; url: string };

/** A key as shown to operators: never a secret. */
export interface KeySummary {
  id: string;
  kid: string | null;
  alg: LaunchAlg;
  kind: TenantKeyRow['kind'];
  /** pem: SHA256:<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>, as `openssl dgst` would give. */
  fingerprint?: string;
  /** jwks: where the keys are fetched from. */
  url?: string;
}

export interface RegisteredTenant {
  id: string;
  issuer: string;
  origins: string[];
  key: KeySummary;
  /** Only for an HS256 key: shown once, stored for verification only. */
  secret?: string;
}

export function summarizeKey(row: TenantKeyRow | NewTenantKey): KeySummary {
  const summary: KeySummary = { id: row.id, kid: row.kid, alg: row.alg, kind: row.kind };
  if (row.kind === 'jwks') summary.url = row.material;
  if (row.kind === 'pem') {
    try {
      summary.fingerprint = fingerprintOf(crypto.createPublicKey(row.material).export({ type: 'spki', format: 'der' }));
    } catch {
      summary.fingerprint = 'unreadable';
    }
  }
  return summary;
}

/** Validates a key request and builds its row; the secret (HS256) is returned beside it, once. */
function buildKey(tenantId: string, input: KeyInput, now: number, production: boolean): { row: NewTenantKey; secret?: string } {
  const base = { id: uuidv4(), tenantId, createdAt: now };
  if (input.type === 'secret') {
    const secret = newSharedSecret();
    return { row: { ...base, kid: input.kid ? parseKid(input.kid) : null, alg: 'HS256', kind: 'secret', material: secret }, secret };
  }
  if (input.type === 'pem') {
    const { pem, alg } = parsePublicKeyPem(input.pem, input.alg);
    return { row: { ...base, kid: input.kid ? parseKid(input.kid) : null, alg, kind: 'pem', material: pem } };
  }
  const alg = parseAsymmetricAlg(input.alg, '--jwks-url');
  let url: URL;
  try {
    url = checkJwksUrl(input.url, { production });
  } catch (err) {
    if (err instanceof JwksUrlError) throw new AdminInputError(err.message);
    throw err;
  }
  return { row: { ...base, kid: null, alg, kind: 'jwks', material: url.href } };
}

export async function registerTenant(
  db: Db,
  secrets: SecretBox,
  input: { issuer: string; origins: string[]; now: number; key: KeyInput; production?: boolean },
): Promise<RegisteredTenant> {
  const issuer = parseIssuer(input.issuer);
  // "lti:<id>" names LTI platforms' tenants (admin/ltiPlatforms.ts); `widget-admin lti add` registers those.
  if (issuer.startsWith(LTI_TENANT_PREFIX)) throw new AdminInputError('issuers beginning with "lti:" are kept for LTI platforms; register an LMS with `widget-admin lti add`');
  if (input.production && issuer === DEV_TENANT_ISSUER) throw new AdminInputError(`the issuer "${DEV_TENANT_ISSUER}" is kept for the development harness; choose another`);
  const origins = parseOrigins(input.origins, { production: input.production });
  const tenant: TenantRow = { id: uuidv4(), issuer, origins, createdAt: input.now };
  const { row, secret } = buildKey(tenant.id, input.key, input.now, input.production ?? false);
  if (await findTenantByIssuer(db, issuer)) throw new AdminInputError(`a tenant with issuer "${issuer}" already exists`);
  try {
    await db.transaction(async (trx) => {
      await insertTenant(trx, tenant);
      await insertTenantKey(trx, secrets, row);
    });
  } catch (err) {
    // Registered by someone else between our check and the insert (another node or admin).
    if (isUniqueViolation(err)) throw new AdminInputError(`a tenant with issuer "${issuer}" already exists`);
    throw err;
  }
  return { id: tenant.id, issuer, origins, key: summarizeKey(row), ...(secret === undefined ? {} : { secret }) };
}

export interface HsTenant {
  id: string;
  issuer: string;
  origins: string[];
  secret: string;
}

export async function registerHs256Tenant(db: Db, secrets: SecretBox, input: { issuer: string; origins: string[]; now: number; kid?: string | null }): Promise<HsTenant> {
  const t = await registerTenant(db, secrets, { issuer: input.issuer, origins: input.origins, now: input.now, key: { type: 'secret', kid: input.kid ?? null } });
  return { id: t.id, issuer: t.issuer, origins: t.origins, secret: t.secret! };
}

/** The tenant with this issuer, or a message that says how to find the right one. */
export async function requireTenant(db: Db, issuerRaw: string): Promise<TenantRow> {
  const issuer = parseIssuer(issuerRaw);
  const tenant = await findTenantByIssuer(db, issuer);
  if (!tenant) throw new AdminInputError(`no tenant with issuer "${issuer}" (see \`npm run tenant -- list\`)`);
  return tenant;
}

/** Adds a key beside the existing ones: the first step of a rotation. */
export async function addTenantKey(db: Db, secrets: SecretBox, input: { issuer: string; key: KeyInput; now: number; production?: boolean }): Promise<{ issuer: string; key: KeySummary; secret?: string }> {
  const tenant = await requireTenant(db, input.issuer);
  const { row, secret } = buildKey(tenant.id, input.key, input.now, input.production ?? false);
  const existing = await listTenantKeys(db, tenant.id);
  // Every key of an algorithm may be tried for one token; more would let one request buy many checks.
  if (existing.length >= MAX_CANDIDATE_KEYS) {
    throw new AdminInputError(`${tenant.issuer} already has ${existing.length} keys, the most allowed; remove a retired one first (remove-key)`);
  }
  if (row.kid !== null && existing.some((k) => k.kid === row.kid)) {
    throw new AdminInputError(`${tenant.issuer} already has a key with kid "${row.kid}"; every kid must be unique within a tenant`);
  }
  await insertTenantKey(db, secrets, row);
  return { issuer: tenant.issuer, key: summarizeKey(row), ...(secret === undefined ? {} : { secret }) };
}

/** Removes one key, chosen by kid or by its id from `list`: the last step of a rotation. */
export async function removeTenantKey(db: Db, input: { issuer: string; kid?: string; keyId?: string }): Promise<{ issuer: string; key: KeySummary }> {
  const tenant = await requireTenant(db, input.issuer);
  if ((input.kid === undefined) === (input.keyId === undefined)) throw new AdminInputError('give exactly one of --kid KID or --key-id ID (see `list`)');
  const keys = await listTenantKeys(db, tenant.id);
  const target = keys.find((k) => (input.kid !== undefined ? k.kid === input.kid : k.id === input.keyId));
  if (!target) throw new AdminInputError(`${tenant.issuer} has no key with ${input.kid !== undefined ? `kid "${input.kid}"` : `id "${input.keyId}"`} (see \`npm run tenant -- list\`)`);
  if (keys.length === 1) {
    throw new AdminInputError(`this is the only key of ${tenant.issuer}; add its replacement first (add-key), or remove the tenant`);
  }
  await deleteTenantKey(db, tenant.id, target.id);
  return { issuer: tenant.issuer, key: summarizeKey(target) };
}

export async function replaceTenantOrigins(db: Db, input: { issuer: string; origins: string[]; production?: boolean }): Promise<{ issuer: string; origins: string[] }> {
  const origins = parseOrigins(input.origins, { production: input.production });
  const tenant = await requireTenant(db, input.issuer);
  await setTenantOrigins(db, tenant.id, origins);
  return { issuer: tenant.issuer, origins };
}

export interface ListedTenant {
  id: string;
  issuer: string;
  origins: string[];
  keys: KeySummary[];
}

/** Tenants with their keys as operators see them: never a secret. */
export async function listTenantsWithKeys(db: Db): Promise<ListedTenant[]> {
  const listed: ListedTenant[] = [];
  for (const t of await listTenants(db)) {
    listed.push({ id: t.id, issuer: t.issuer, origins: t.origins, keys: (await listTenantKeys(db, t.id)).map(summarizeKey) });
  }
  return listed;
}

/** The tenant and everything removeTenant would delete with it, for the operator to confirm first. */
export async function previewTenantRemoval(db: Db, issuer: string, now: number): Promise<{ tenant: TenantRow; contents: TenantContents }> {
  const tenant = await requireTenant(db, issuer);
  return { tenant, contents: await countTenantContents(db, tenant.id, now) };
}

/** Deletes a tenant with its keys, users, sessions and notes (the foreign keys cascade). */
export async function removeTenant(db: Db, issuer: string): Promise<TenantRow> {
  const tenant = await requireTenant(db, issuer);
  await deleteTenant(db, tenant.id);
  return tenant;
}

export const DEV_TENANT_ISSUER = 'dev-harness';

/**
 * Production refuses to start while the development tenant exists: its secret
 * was handed to the harness, which signs launches for anyone who asks, so a
 * database that was used in development must not trust it in production.
 */
export async function refuseDevTenant(db: Db): Promise<void> {
  if (await findTenantByIssuer(db, DEV_TENANT_ISSUER)) {
    throw new Error(
      `the database holds the development tenant "${DEV_TENANT_ISSUER}", whose secret the development harness signs with for anyone; ` +
        `production does not start while it exists. Remove it with \`NODE_ENV=production npm run tenant -- remove --issuer ${DEV_TENANT_ISSUER}\` (its users, sessions and notes go with it).`,
    );
  }
}

/** Outside production: the harness's tenant, created on first start and kept in step with HARNESS_PORT. */
export async function ensureDevTenant(db: Db, secrets: SecretBox, harnessOrigin: string, now: number): Promise<HsTenant> {
  const existing = await findTenantByIssuer(db, DEV_TENANT_ISSUER);
  if (!existing) return registerHs256Tenant(db, secrets, { issuer: DEV_TENANT_ISSUER, origins: [harnessOrigin], now });
  if (!existing.origins.includes(harnessOrigin)) {
    existing.origins = [...existing.origins, harnessOrigin];
    await setTenantOrigins(db, existing.id, existing.origins);
  }
  const key = (await listTenantKeys(db, existing.id)).find((k) => k.alg === 'HS256' && k.kind === 'secret');
  if (!key) throw new Error(`the development tenant "${DEV_TENANT_ISSUER}" has no HS256 key; remove it with \`npm run tenant -- remove --issuer ${DEV_TENANT_ISSUER}\``);
  return { id: existing.id, issuer: existing.issuer, origins: existing.origins, secret: openTenantKey(secrets, key).material };
}
