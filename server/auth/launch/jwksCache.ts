import type { Clock } from '../../clock.ts';
import type { Logger } from '../../logger.ts';
import { checkJwksUrl, DEFAULT_JWKS_FETCH, fetchJwksDocument, JwksFetchError, JwksUrlError, type JwksFetchOptions } from './jwksFetcher.ts';
import { JwksDocumentError, keySetFromJwks } from './jwksKeySet.ts';
import type { AsymmetricAlg } from '../../../contract/launch.ts';
import type { VerificationKey } from './verificationKey.ts';

/** A JWKS URL registered as one of a tenant's keys. */
export interface JwksSource {
  /** The tenant_keys row id. */
  id: string;
  tenantId: string;
  alg: AsymmetricAlg;
  url: string;
}

export interface JwksCacheOptions {
  /** How long a fetched key set is used before it is fetched again. */
  ttlMs: number;
  /**
   * At most one early refetch per tenant in this period (for an unknown kid),
   * and the wait after a failed fetch: tokens with random kids cannot turn us
   * into a request flood against the host.
   */
  minRefetchMs: number;
  /** After the TTL, a key set is still used this long while its endpoint fails. */
  maxStaleMs: number;
  production: boolean;
  fetch: JwksFetchOptions;
}

export const DEFAULT_JWKS_CACHE: Omit<JwksCacheOptions, 'production'> = {
  ttlMs: 10 * 60_000,
  minRefetchMs: 30_000,
  maxStaleMs: 60 * 60_000,
  fetch: DEFAULT_JWKS_FETCH,
};

/** The key set could not be loaded and no usable copy is cached. */
export class JwksUnavailable extends Error {}

interface CachedSet {
  keys: VerificationKey[];
  fetchedAt: number;
}

export class JwksCache {
  private sets = new Map<string, CachedSet>();
  private failures = new Map<string, { at: number; reason: string }>();
  private inflight = new Map<string, Promise<VerificationKey[]>>();
  private lastEarlyRefetch = new Map<string, number>();

  constructor(
    private readonly options: JwksCacheOptions,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {}

  /** Keys of the source; `refresh` fetches even when the cached set is fresh. */
  async keys(source: JwksSource, { refresh = false } = {}): Promise<VerificationKey[]> {
    const now = this.clock.now();
    const cached = this.sets.get(source.id);
    if (cached && !refresh && now - cached.fetchedAt < this.options.ttlMs) return cached.keys;
    const failure = this.failures.get(source.id);
    if (failure && now - failure.at < this.options.minRefetchMs) return this.staleOr(source, failure.reason);
    try {
      return await this.load(source);
    } catch (err) {
      if (!(err instanceof JwksFetchError || err instanceof JwksDocumentError || err instanceof JwksUrlError)) throw err;
      this.failures.set(source.id, { at: this.clock.now(), reason: err.message });
      this.logger?.warn('jwks_fetch_failed', { tenantId: source.tenantId, keyId: source.id, reason: err.message });
      return this.staleOr(source, err.message);
    }
  }

  /** True at most once per `minRefetchMs` per tenant. */
  claimEarlyRefetch(tenantId: string): boolean {
    const now = this.clock.now();
    const last = this.lastEarlyRefetch.get(tenantId);
    if (last !== undefined && now - last < this.options.minRefetchMs) return false;
    this.lastEarlyRefetch.set(tenantId, now);
    return true;
  }

  private staleOr(source: JwksSource, reason: string): VerificationKey[] {
    const cached = this.sets.get(source.id);
    if (cached && this.clock.now() - cached.fetchedAt < this.options.ttlMs + this.options.maxStaleMs) return cached.keys;
    throw new JwksUnavailable(reason);
  }

  /** Concurrent launches of a cold tenant share one request. */
  private load(source: JwksSource): Promise<VerificationKey[]> {
    const running = this.inflight.get(source.id);
    if (running) return running;
    const promise = (async () => {
      const url = checkJwksUrl(source.url, { production: this.options.production });
      const document = await fetchJwksDocument(url, this.options.fetch);
      const { keys, skipped } = keySetFromJwks(document, source.alg, source.id);
      if (skipped > 0) this.logger?.info('jwks_keys_skipped', { tenantId: source.tenantId, keyId: source.id, skipped, alg: source.alg });
      this.sets.set(source.id, { keys, fetchedAt: this.clock.now() });
      this.failures.delete(source.id);
      return keys;
    })().finally(() => this.inflight.delete(source.id));
    this.inflight.set(source.id, promise);
    return promise;
  }
}
