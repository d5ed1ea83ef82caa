import { v4 as uuidv4 } from 'uuid';
import { checkJwksUrl, JwksUrlError } from '../auth/launch/jwksFetcher.ts';
import { ltiTenantIssuer } from '../auth/lti/ltiPlatform.ts';
import type { Db } from '../db/connect.ts';
import { isUniqueViolation } from '../db/isUniqueViolation.ts';
import { findLtiPlatform, insertLtiPlatform, listLtiPlatforms, setLtiDeployments, type LtiPlatformRow } from '../db/ltiPlatforms.ts';
import { deleteTenant, insertTenant, listTenants } from '../db/tenants.ts';
import { AdminInputError, parseIssuer, parseOrigins } from './adminInput.ts';

// The LTI 1.3 platform registry (docs/lti.md). A platform is a tenant whose
// issuer is "lti:<tenant id>" (so `tenant list`, `tenant remove` and
// `sessions revoke --issuer` work on it) and which has no keys of its own:
// its id_tokens are checked with the keys of its JWKS, and only on /lti/launch.


export interface LtiPlatformInput {
  issuer: string;
  clientId: string;
  authUrl: string;
  jwksUrl: string;
  deploymentIds: string[];
  origins: string[];
  now: number;
  production?: boolean;
}

/** A registration as operators see it: what was entered, and the tenant it made. */
export interface LtiPlatformSummary extends Omit<LtiPlatformInput, 'now' | 'production'> {
  /** The tenant's id; its issuer for the tenant and sessions commands is `lti:<id>`. */
  id: string;
  tenantIssuer: string;
}

/** A URL the platform serves (its issuer, its login endpoint): https, or http outside production. */
function parsePlatformUrl(raw: string, what: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AdminInputError(`${what} "${raw}" is not a URL; use the form https://lms.example.edu/...`);
  }
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) throw new AdminInputError(`${what} "${raw}" must use https${production ? '' : ' (or http for local development)'}`);
  if (url.username || url.password || url.hash) throw new AdminInputError(`${what} "${raw}" must not carry credentials or a #fragment`);
  return raw;
}

/** client_id and deployment ids are the platform's opaque strings, compared exactly. */
function parseOpaqueId(raw: string, what: string): string {
  if (raw.length === 0 || raw.length > 255 || /[\u0000-\u001f\u007f]/.test(raw)) throw new AdminInputError(`${what} must be 1-255 characters without control characters, exactly as the platform shows it`);
  return raw;
}

export function parseDeploymentIds(raw: string[]): string[] {
  const ids = [...new Set(raw.map((d) => parseOpaqueId(d, '--deployment')))];
  if (ids.length === 0) throw new AdminInputError('give at least one --deployment: the deployment id the platform shows for this tool');
  return ids;
}

export async function registerLtiPlatform(db: Db, input: LtiPlatformInput): Promise<LtiPlatformSummary> {
  const production = input.production ?? false;
  const issuer = parsePlatformUrl(parseIssuer(input.issuer), '--issuer', production);
  const clientId = parseOpaqueId(input.clientId, '--client-id');
  const authUrl = parsePlatformUrl(input.authUrl, '--auth-url', production);
  let jwksUrl: string;
  try {
    jwksUrl = checkJwksUrl(input.jwksUrl, { production }).href;
  } catch (err) {
    if (err instanceof JwksUrlError) throw new AdminInputError(err.message);
    throw err;
  }
  const deploymentIds = parseDeploymentIds(input.deploymentIds);
  const origins = parseOrigins(input.origins, { production });
  if (await findLtiPlatform(db, issuer, clientId)) throw new AdminInputError(`the platform ${issuer} with client_id "${clientId}" is already registered`);
  const id = uuidv4();
  const platform: LtiPlatformRow = { tenantId: id, issuer, clientId, authUrl, jwksUrl, deploymentIds, createdAt: input.now };
  try {
    await db.transaction(async (trx) => {
      await insertTenant(trx, { id, issuer: ltiTenantIssuer(id), origins, createdAt: input.now });
      await insertLtiPlatform(trx, platform);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AdminInputError(`the platform ${issuer} with client_id "${clientId}" is already registered`);
    throw err;
  }
  return summaryOf(platform, origins);
}

const summaryOf = (p: LtiPlatformRow, origins: string[]): LtiPlatformSummary => ({
  id: p.tenantId,
  tenantIssuer: ltiTenantIssuer(p.tenantId),
  issuer: p.issuer,
  clientId: p.clientId,
  authUrl: p.authUrl,
  jwksUrl: p.jwksUrl,
  deploymentIds: p.deploymentIds,
  origins,
});

export async function listLtiPlatformSummaries(db: Db): Promise<LtiPlatformSummary[]> {
  const origins = new Map((await listTenants(db)).map((t) => [t.id, t.origins]));
  return (await listLtiPlatforms(db)).map((p) => summaryOf(p, origins.get(p.tenantId) ?? []));
}

async function requirePlatform(db: Db, issuer: string, clientId: string): Promise<LtiPlatformRow> {
  const found = await findLtiPlatform(db, issuer, clientId);
  if (!found) throw new AdminInputError(`no LTI platform ${issuer} with client_id "${clientId}" (see \`widget-admin lti list\`)`);
  return found;
}

/** Replaces the deployments allowed to launch (a platform adds one per place the tool is installed). */
export async function replaceLtiDeployments(db: Db, input: { issuer: string; clientId: string; deploymentIds: string[] }): Promise<{ issuer: string; clientId: string; deploymentIds: string[] }> {
  const deploymentIds = parseDeploymentIds(input.deploymentIds);
  const platform = await requirePlatform(db, input.issuer, input.clientId);
  await setLtiDeployments(db, platform.tenantId, deploymentIds);
  return { issuer: platform.issuer, clientId: platform.clientId, deploymentIds };
}

/** Deletes the platform's tenant: its registration, users, sessions and notes go with it (cascade). */
export async function removeLtiPlatform(db: Db, input: { issuer: string; clientId: string }): Promise<LtiPlatformRow> {
  const platform = await requirePlatform(db, input.issuer, input.clientId);
  await deleteTenant(db, platform.tenantId);
  return platform;
}

/** Outside production: the fake LMS's registration (server/harness/ltiHarnessApp.ts), created on first start. */
export async function ensureDevLtiPlatform(db: Db, input: { origin: string; clientId: string; deploymentId: string; now: number }): Promise<LtiPlatformSummary> {
  const existing = await findLtiPlatform(db, input.origin, input.clientId);
  if (existing) return summaryOf(existing, (await listTenants(db)).find((t) => t.id === existing.tenantId)?.origins ?? []);
  return registerLtiPlatform(db, {
    issuer: input.origin,
    clientId: input.clientId,
    authUrl: `${input.origin}/auth`,
    jwksUrl: `${input.origin}/jwks.json`,
    deploymentIds: [input.deploymentId],
    origins: [input.origin],
    now: input.now,
  });
}

/** Production refuses to start while the fake LMS is registered: it signs id_tokens for anyone who asks. */
export async function refuseDevLtiPlatform(db: Db, devClientId: string): Promise<void> {
  const dev = (await listLtiPlatforms(db)).find((p) => p.clientId === devClientId);
  if (dev) {
    throw new Error(
      `the database holds the development LMS (${dev.issuer}, client_id "${devClientId}"), whose key the harness signs with for anyone; ` +
        `production does not start while it exists. Remove it with \`NODE_ENV=production npx widget-admin lti remove --issuer ${dev.issuer} --client-id ${devClientId} --yes\`.`,
    );
  }
}
