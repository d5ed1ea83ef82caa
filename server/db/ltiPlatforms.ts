import type { Db } from './connect.ts';

/** An LTI 1.3 platform registration: one tenant, seen from the LTI side. */
export interface LtiPlatformRow {
  tenantId: string;
  issuer: string;
  clientId: string;
  /** The platform's OIDC authorization endpoint, where the login sends the browser. */
  authUrl: string;
  jwksUrl: string;
  deploymentIds: string[];
  createdAt: number;
}

interface RawPlatform {
  tenant_id: string;
  issuer: string;
  client_id: string;
  auth_url: string;
  jwks_url: string;
  deployment_ids: string;
  created_at: number;
}

const fromRow = (r: RawPlatform): LtiPlatformRow => ({
  tenantId: r.tenant_id,
  issuer: r.issuer,
  clientId: r.client_id,
  authUrl: r.auth_url,
  jwksUrl: r.jwks_url,
  deploymentIds: JSON.parse(r.deployment_ids) as string[],
  createdAt: Number(r.created_at),
});

export async function insertLtiPlatform(db: Db, p: LtiPlatformRow): Promise<void> {
  await db('lti_platforms').insert({
    tenant_id: p.tenantId,
    issuer: p.issuer,
    client_id: p.clientId,
    auth_url: p.authUrl,
    jwks_url: p.jwksUrl,
    deployment_ids: JSON.stringify(p.deploymentIds),
    created_at: p.createdAt,
  });
}

/** Values come from an unauthenticated request: PostgreSQL refuses a NUL even as a parameter (a 500). */
const storable = (...values: string[]) => values.every((v) => !v.includes('\u0000'));

export async function findLtiPlatform(db: Db, issuer: string, clientId: string): Promise<LtiPlatformRow | undefined> {
  if (!storable(issuer, clientId)) return undefined;
  const row = await db<RawPlatform>('lti_platforms').where({ issuer, client_id: clientId }).first();
  return row ? fromRow(row) : undefined;
}

/** Every registration of an issuer: a login without client_id may name only one. */
export async function findLtiPlatformsByIssuer(db: Db, issuer: string): Promise<LtiPlatformRow[]> {
  if (!storable(issuer)) return [];
  return (await db<RawPlatform>('lti_platforms').where({ issuer }).limit(2)).map(fromRow);
}

export async function findLtiPlatformByTenant(db: Db, tenantId: string): Promise<LtiPlatformRow | undefined> {
  const row = await db<RawPlatform>('lti_platforms').where({ tenant_id: tenantId }).first();
  return row ? fromRow(row) : undefined;
}

export async function listLtiPlatforms(db: Db): Promise<LtiPlatformRow[]> {
  return (await db<RawPlatform>('lti_platforms').orderBy('created_at')).map(fromRow);
}

export async function setLtiDeployments(db: Db, tenantId: string, deploymentIds: string[]): Promise<void> {
  await db('lti_platforms').where({ tenant_id: tenantId }).update({ deployment_ids: JSON.stringify(deploymentIds) });
}
