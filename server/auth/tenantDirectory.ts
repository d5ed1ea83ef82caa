import type { Clock } from '../clock.ts';
import type { LaunchTenant } from './verifyLaunchToken.ts';
import { makeVerificationKey, type StoredTenantKey, type VerificationKey } from './verificationKey.ts';

export interface TenantSource {
  findByIssuer(issuer: string): Promise<{ tenant: LaunchTenant; keys: StoredTenantKey[] } | undefined>;
}

interface Entry {
  tenant: LaunchTenant;
  keys: VerificationKey[];
  loadedAt: number;
}

/**
 * Tenants with their keys already parsed into KeyObjects (parsing a PEM per
 * request would dominate launch cost). Entries live `ttlMs`; a key removed on
 * another node stops verifying here within that bound.
 */
export class TenantDirectory {
  private cache = new Map<string, Entry>();

  constructor(
    private readonly source: TenantSource,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
  ) {}

  async find(issuer: string): Promise<LaunchTenant | undefined> {
    return (await this.entry(issuer))?.tenant;
  }

  async keysFor(tenant: LaunchTenant, header: { alg: string; kid: string | null }): Promise<VerificationKey[]> {
    const entry = await this.entry(tenant.issuer);
    if (!entry) return [];
    const sameAlg = entry.keys.filter((k) => k.alg === header.alg);
    if (header.kid === null) return sameAlg;
    const byKid = sameAlg.filter((k) => k.kid === header.kid);
    // A host may send a kid we never registered for its only key: kid is a
    // lookup hint, never a trust decision, so fall back to its kid-less keys.
    return byKid.length > 0 ? byKid : sameAlg.filter((k) => k.kid === null);
  }

  invalidate(issuer?: string): void {
    if (issuer === undefined) this.cache.clear();
    else this.cache.delete(issuer);
  }

  private async entry(issuer: string): Promise<Entry | undefined> {
    const cached = this.cache.get(issuer);
    const now = this.clock.now();
    if (cached && now - cached.loadedAt < this.ttlMs) return cached;
    const found = await this.source.findByIssuer(issuer);
    if (!found) {
      this.cache.delete(issuer);
      return undefined;
    }
    const keys = found.keys.filter((k) => k.kind !== 'jwks').map(makeVerificationKey);
    const entry = { tenant: found.tenant, keys, loadedAt: now };
    this.cache.set(issuer, entry);
    return entry;
  }
}
