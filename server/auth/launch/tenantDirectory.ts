import type { Clock } from '../../clock.ts';
import type { TenantSource } from '../../db/tenantSource.ts';
import { WidgetError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { JwksUnavailable, type JwksCache, type JwksSource } from './jwksCache.ts';
import type { LaunchTenant } from './verifyHostSignature.ts';
import { KeyMaterialError, makeVerificationKey, type VerificationKey } from './verificationKey.ts';

interface Entry {
  tenant: LaunchTenant;
  keys: VerificationKey[];
  jwks: JwksSource[];
  loadedAt: number;
}

export interface TenantDirectoryOptions {
  jwks: JwksCache;
  logger?: Logger;
  ttlMs?: number;
  /** Production: http host origins (registered before this rule, or in development) are not used. */
  production?: boolean;
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
  private readonly jwks: JwksCache;
  private readonly logger: Logger | undefined;
  private readonly ttlMs: number;
  private readonly production: boolean;

  constructor(
    private readonly source: TenantSource,
    private readonly clock: Clock,
    options: TenantDirectoryOptions,
  ) {
    this.jwks = options.jwks;
    this.logger = options.logger;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.production = options.production ?? false;
  }

  async find(issuer: string): Promise<LaunchTenant | undefined> {
    return (await this.entry(issuer))?.tenant;
  }

  /**
   * Candidate keys for a token header: only keys registered for the header's
   * algorithm. The kid selects among them and is compared, never interpreted.
   */
  async keysFor(tenant: LaunchTenant, header: { alg: string; kid: string | null }): Promise<VerificationKey[]> {
    let entry = await this.entry(tenant.issuer);
    if (entry && header.kid !== null && !entry.keys.some((k) => k.kid === header.kid) && this.clock.now() - entry.loadedAt >= UNKNOWN_KID_RELOAD_MS) {
      entry = await this.load(tenant.issuer);
    }
    if (!entry) return [];
    const registered = entry.keys.filter((k) => k.alg === header.alg);
    const sources = entry.jwks.filter((s) => s.alg === header.alg);

    // Why the JWKS could not be used, for the error when nothing else verifies.
    const failure: { reason: string | null } = { reason: null };
    const fromJwks = async (refresh: boolean): Promise<VerificationKey[]> => {
      failure.reason = null;
      const sets = await Promise.all(
        sources.map((s) =>
          this.jwks.keys(s, { refresh }).catch((err: unknown) => {
            if (!(err instanceof JwksUnavailable)) throw err;
            failure.reason = err.message;
            return [];
          }),
        ),
      );
      return sets.flat();
    };

    let candidates = [...registered, ...(await fromJwks(false))];
    // A kid we have not seen may be a key the host just published: look once,
    // within the per-tenant refetch budget.
    if (header.kid !== null && sources.length > 0 && !candidates.some((k) => k.kid === header.kid) && this.jwks.claimEarlyRefetch(tenant.id)) {
      candidates = [...registered, ...(await fromJwks(true))];
    }
    const chosen = selectByKid(candidates, header.kid);
    if (chosen.length === 0 && failure.reason !== null) {
      // The reason (refused address, connection refused, timeout, status) is logged for the
      // operator, never told to the launcher: it would say what the server can reach.
      throw new WidgetError(
        'launch_invalid',
        "The host platform's key set (JWKS URL) could not be used. It must be served over https from a public address within 2 seconds; the widget server's log (jwks_fetch_failed) says why it failed.",
      );
    }
    return chosen;
  }

  /** Drops a cached tenant at once: a write found that it no longer exists. */
  forget(issuer: string): void {
    this.cache.delete(issuer);
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
    const keys: VerificationKey[] = [];
    const jwks: JwksSource[] = [];
    for (const stored of found.keys) {
      if (stored.kind === 'jwks') {
        if (stored.alg !== 'HS256') jwks.push({ id: stored.id, tenantId: found.tenant.id, alg: stored.alg, url: stored.material });
        continue;
      }
      try {
        keys.push(makeVerificationKey(stored));
      } catch (err) {
        // A bad row (edited by hand) must fail launches for that key, not the server.
        if (!(err instanceof KeyMaterialError)) throw err;
        this.logger?.error('tenant_key_unusable', { tenantId: found.tenant.id, keyId: stored.id, reason: err.message });
      }
    }
    for (const { keyId, reason } of found.unreadable ?? []) {
      this.logger?.error('tenant_key_unusable', { tenantId: found.tenant.id, keyId, reason });
    }
    const entry = { tenant: { ...found.tenant, origins: this.usableOrigins(found.tenant) }, keys, jwks, loadedAt: now };
    this.cache.set(issuer, entry);
    return entry;
  }

  /** The origins that may frame the widget; in production https only, and each refused one logged loudly. */
  private usableOrigins(tenant: { id: string; origins: string[] }): string[] {
    if (!this.production) return tenant.origins;
    const refused = tenant.origins.filter((origin) => !origin.startsWith('https://'));
    for (const origin of refused) {
      this.logger?.error('tenant_origin_refused', { tenantId: tenant.id, origin, reason: 'production frames the widget only in https pages; replace it with `npm run tenant -- set-origins`' });
    }
    return tenant.origins.filter((origin) => !refused.includes(origin));
  }
}

function selectByKid(keys: VerificationKey[], kid: string | null): VerificationKey[] {
  if (kid === null) return keys;
  const byKid = keys.filter((k) => k.kid === kid);
  // A host may send a kid we never registered for its only key: kid is a
  // lookup hint, never a trust decision, so fall back to its kid-less keys.
  return byKid.length > 0 ? byKid : keys.filter((k) => k.kid === null);
}
