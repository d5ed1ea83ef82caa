import type { Db } from './connect.ts';
import { countOpenSessions, forgetRecentSessionStates } from './sessions.ts';

export interface TenantRow {
  id: string;
  issuer: string;
  origins: string[];
  createdAt: number;
}

interface RawTenant {
  id: string;
  issuer: string;
  origins: string;
  created_at: number;
}

const fromRow = (r: RawTenant): TenantRow => ({ id: r.id, issuer: r.issuer, origins: JSON.parse(r.origins) as string[], createdAt: Number(r.created_at) });

export async function insertTenant(db: Db, tenant: TenantRow): Promise<void> {
  await db('tenants').insert({ id: tenant.id, issuer: tenant.issuer, origins: JSON.stringify(tenant.origins), created_at: tenant.createdAt });
}

export async function findTenantByIssuer(db: Db, issuer: string): Promise<TenantRow | undefined> {
  // The issuer comes from an unverified token; PostgreSQL rejects a NUL even as
  // a query parameter (a 500), and no registered issuer can contain one.
  if (issuer.includes('\u0000')) return undefined;
  const row = await db<RawTenant>('tenants').where({ issuer }).first();
  return row ? fromRow(row) : undefined;
}

export async function listTenants(db: Db): Promise<TenantRow[]> {
  return (await db<RawTenant>('tenants').orderBy('created_at')).map(fromRow);
}

export async function setTenantOrigins(db: Db, id: string, origins: string[]): Promise<boolean> {
  return (await db('tenants').where({ id }).update({ origins: JSON.stringify(origins) })) > 0;
}

export async function deleteTenant(db: Db, id: string): Promise<boolean> {
  const deleted = (await db('tenants').where({ id }).delete()) > 0;
  // Its sessions went with it (cascade): none may pass this node's check any more.
  forgetRecentSessionStates(db);
  return deleted;
}

/** What deleting a tenant takes with it (its rows cascade), for the operator to confirm. */
export interface TenantContents {
  users: number;
  notes: number;
  /** Sessions neither revoked nor past their absolute end at `now`. */
  openSessions: number;
}

export async function countTenantContents(db: Db, tenantId: string, now: number): Promise<TenantContents> {
  const count = async (table: string) => Number((await db(table).where({ tenant_id: tenantId }).count({ n: '*' }).first())?.n ?? 0);
  const [users, notes, openSessions] = await Promise.all([count('users'), count('notes'), countOpenSessions(db, now, tenantId)]);
  return { users, notes, openSessions };
}
