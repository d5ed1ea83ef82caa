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

/** An unknown kid rereads its tenant at most this often, so junk kids cannot flood the database. */
const UNKNOWN_KID_RELOAD_MS = 1000;

/**
 * Tenants with their keys already parsed into KeyObjects (parsing a PEM per
 * request would dominate launch cost), shared by every node through the
 * database. Staleness per node: a new tenant is seen at once (misses are not
 * cached); a key with a new kid at once (an unknown kid rereads the tenant);
 * a removed key or tenant, changed origins, or a new kid-less key within `ttlMs`.
 */
export class TenantDirectory {
  private cache = new Map<string, Entry>();
  private loading = new Map<string, Promise<Entry | undefined>>();

  constructor(
    private readonly source: TenantSource,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
  ) {}

  async find(issuer: string): Promise<LaunchTenant | undefined> {
    return (await this.entry(issuer))?.tenant;
  }

  async keysFor(tenant: LaunchTenant, header: { alg: string; kid: string | null }): Promise<VerificationKey[]> {
    let entry = await this.entry(tenant.issuer);
    if (entry && header.kid !== null && !entry.keys.some((k) => k.kid === header.kid) && this.clock.now() - entry.loadedAt >= UNKNOWN_KID_RELOAD_MS) {
      entry = await this.load(tenant.issuer);
    }
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
    if (cached && this.clock.now() - cached.loadedAt < this.ttlMs) return cached;
    return this.load(issuer);
  }

  /** One database read per issuer at a time, however many requests miss together. */
  private load(issuer: string): Promise<Entry | undefined> {
    let pending = this.loading.get(issuer);
    if (!pending) {
      pending = this.read(issuer).finally(() => this.loading.delete(issuer));
      this.loading.set(issuer, pending);
    }
    return pending;
  }

  private async read(issuer: string): Promise<Entry | undefined> {
    const now = this.clock.now();
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
