import crypto, { type KeyObject } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { SigningKeyStore, StoredSigningKey } from '../../db/signingKeys.ts';
import { silentLogger, type Logger } from '../../logger.ts';

// Our own keys for session tokens, shared by every server node through the
// database. They are never a tenant's secret: a host that leaks its secret can
// forge launches, not sessions.

export interface RingKey {
  kid: string;
  key: KeyObject;
  createdAt: number;
  retiredAt: number | null;
}

export function newSigningKey(now: number): StoredSigningKey {
  return {
    kid: crypto.randomBytes(9).toString('base64url'),
    alg: 'HS256',
    secret: crypto.randomBytes(32).toString('base64url'),
    createdAt: now,
    retiredAt: null,
  };
}

/** After a failed reread the ring waits this long before asking the database again. */
export const RELOAD_RETRY_MS = 5000;

export class SessionKeyRing {
  private keys = new Map<string, RingKey>();
  private active: RingKey | null = null;
  private loadedAt = 0;
  private reloading: Promise<void> | null = null;
  /** No reread before this (epoch ms): set by a failed one. */
  private retryAt = 0;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: Clock,
    /** How long a node trusts its copy before rereading the shared ring. */
    private readonly ttlMs = 30_000,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Loads the ring, creating the first key on a brand-new database. */
  async init(): Promise<this> {
    await this.reload();
    if (!this.active) {
      await this.store.insert(newSigningKey(this.clock.now()));
      await this.reload();
    }
    return this;
  }

  /** The key that signs now; a stale copy is reread in the background while this one keeps signing. */
  signingKey(): RingKey {
    if (!this.active) throw new Error('session key ring has no active key; call init() first');
    if (this.clock.now() - this.loadedAt > this.ttlMs) void this.rereadOrKeep();
    return this.active;
  }

  /** A key that may verify tokens, or undefined; rereads the shared ring at most once per second on a miss. */
  async verificationKey(kid: string): Promise<RingKey | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.clock.now() - this.loadedAt < 1000) return undefined;
    await this.rereadOrKeep();
    return this.keys.get(kid);
  }

  /**
   * Rereads the shared ring; when that fails (the database is down, a key cannot
   * be opened) the ring keeps the keys it has, logs why, and asks again after
   * RELOAD_RETRY_MS. Never rejects: a request or a background call must not
   * fail, or end the process, because the copy could not be refreshed.
   */
  private async rereadOrKeep(): Promise<void> {
    if (this.clock.now() < this.retryAt) return;
    try {
      await this.reloadOnce();
    } catch (err) {
      this.retryAt = this.clock.now() + RELOAD_RETRY_MS;
      this.logger.error('session_keys_reload_failed', { error: err instanceof Error ? err.message : String(err), retryInMs: RELOAD_RETRY_MS });
    }
  }

  knownKey(kid: string): RingKey | undefined {
    return this.keys.get(kid);
  }

  async rotate(): Promise<StoredSigningKey> {
    const now = this.clock.now();
    const fresh = newSigningKey(now);
    await this.store.insert(fresh);
    for (const key of this.keys.values()) {
      if (key.retiredAt === null) await this.store.retire(key.kid, now);
    }
    await this.reload();
    return fresh;
  }

  /**
   * Periodic upkeep, safe to run on every node: rotates when the active key is
   * older than `maxAgeMs`, and forgets retired keys once every token they
   * signed is past its expiry (`tokenLifetimeMs` = TTL + skew).
   */
  async maintain(maxAgeMs: number, tokenLifetimeMs: number): Promise<{ rotated: boolean; removed: number }> {
    await this.reloadOnce();
    const now = this.clock.now();
    const rotated = this.active !== null && now - this.active.createdAt >= maxAgeMs;
    if (rotated) await this.rotate();
    const removed = await this.store.removeRetiredBefore(now - tokenLifetimeMs);
    if (removed > 0) await this.reload();
    return { rotated, removed };
  }

  listKeys(): RingKey[] {
    return [...this.keys.values()];
  }

  private reloadOnce(): Promise<void> {
    this.reloading ??= this.reload().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  private async reload(): Promise<void> {
    const stored = await this.store.list();
    const keys = new Map<string, RingKey>();
    let active: RingKey | null = null;
    for (const s of stored) {
      const existing = this.keys.get(s.kid);
      const key: RingKey = {
        kid: s.kid,
        key: existing?.key ?? crypto.createSecretKey(Buffer.from(s.secret, 'base64url')),
        createdAt: s.createdAt,
        retiredAt: s.retiredAt,
      };
      keys.set(s.kid, key);
      // Newest unretired key signs; ties broken by kid so every node agrees.
      if (key.retiredAt === null && (!active || key.createdAt > active.createdAt || (key.createdAt === active.createdAt && key.kid > active.kid))) {
        active = key;
      }
    }
    this.keys = keys;
    this.active = active;
    this.loadedAt = this.clock.now();
  }
}
