import crypto from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_JWKS_CACHE, JwksCache } from '../../server/auth/launch/jwksCache.ts';
import { TenantDirectory } from '../../server/auth/launch/tenantDirectory.ts';
import type { StoredTenantKey } from '../../server/db/tenantKeys.ts';
import type { TenantSource } from '../../server/db/tenantSource.ts';
import { FakeClock } from '../helpers/fakeClock.ts';

// The directory is a per-node cache of what every node shares in the database;
// these are the staleness bounds docs/scaling.md promises.

const tenant = { id: crypto.randomUUID(), issuer: 'wiki.example', origins: ['https://wiki.example'] };
const hsKey = (kid: string | null): StoredTenantKey => ({ id: crypto.randomUUID(), kid, alg: 'HS256', kind: 'secret', material: crypto.randomBytes(32).toString('base64url') });

/** The shared database as another node or the admin CLI changes it. */
class SharedTenants implements TenantSource {
  keys: StoredTenantKey[] = [hsKey('k1')];
  registered = true;
  reads = 0;
  async findByIssuer(issuer: string) {
    this.reads++;
    return this.registered && issuer === tenant.issuer ? { tenant, keys: this.keys } : undefined;
  }
}

describe('TenantDirectory staleness', () => {
  let shared: SharedTenants;
  let clock: FakeClock;
  let directory: TenantDirectory;
  const kidsFor = async (kid: string | null) => (await directory.keysFor(tenant, { alg: 'HS256', kid })).map((k) => k.kid);

  beforeEach(() => {
    shared = new SharedTenants();
    clock = new FakeClock();
    directory = new TenantDirectory(shared, clock, { jwks: new JwksCache({ ...DEFAULT_JWKS_CACHE, production: false }, clock), ttlMs: 30_000 });
  });

  it('serves a tenant from memory within the TTL', async () => {
    await directory.find(tenant.issuer);
    await directory.find(tenant.issuer);
    expect(await kidsFor('k1')).toEqual(['k1']);
    expect(shared.reads).toBe(1);
  });

  it('sees a tenant registered elsewhere at once: a miss is never cached', async () => {
    shared.registered = false;
    expect(await directory.find(tenant.issuer)).toBeUndefined();
    shared.registered = true;
    expect(await directory.find(tenant.issuer)).toEqual(tenant);
  });

  it('picks up a key with a new kid at once, rereading at most once a second', async () => {
    await directory.find(tenant.issuer);
    shared.keys = [...shared.keys, hsKey('k2')];
    clock.advance(1);
    expect(await kidsFor('k2')).toEqual(['k2']);
    expect(shared.reads).toBe(2);

    // Junk kids cannot turn every launch into a database read.
    await kidsFor('junk');
    await kidsFor('junk');
    expect(shared.reads).toBe(2);
    clock.advance(1);
    await kidsFor('junk');
    expect(shared.reads).toBe(3);
  });

  it('reads the database once when many launches miss together', async () => {
    await Promise.all(Array.from({ length: 10 }, () => directory.find(tenant.issuer)));
    expect(shared.reads).toBe(1);
  });

  it('stops trusting a removed key within the TTL, not before', async () => {
    await directory.find(tenant.issuer);
    shared.keys = [hsKey('k2')];
    clock.advance(29);
    expect(await kidsFor('k1')).toEqual(['k1']);
    clock.advance(1);
    expect(await kidsFor('k1')).toEqual([]);
  });

  it('forgets a removed tenant within the TTL', async () => {
    await directory.find(tenant.issuer);
    shared.registered = false;
    clock.advance(30);
    expect(await directory.find(tenant.issuer)).toBeUndefined();
  });
});
