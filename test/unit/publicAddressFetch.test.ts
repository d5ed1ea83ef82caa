import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressRefused, notPublicReason, publicAddressFetch, type Resolve } from '../../server/auth/launch/publicAddressFetch.ts';
import { startConnectionCounter, type ConnectionCounter } from '../helpers/connectionCounter.ts';

describe('notPublicReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
  ])('refuses %s (%s)', (address, what) => {
    expect(notPublicReason(address)).toContain(what);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets %s through', (address) => {
    expect(notPublicReason(address)).toBeNull();
  });
});

describe('publicAddressFetch', () => {
  let counter: ConnectionCounter;
  let port: number;
  const connections = () => counter.count();
  beforeAll(async () => {
    counter = await startConnectionCounter();
    port = counter.port;
  });
  afterAll(() => counter.close());

  const resolver = (...answers: string[][]) => {
    const calls: string[] = [];
    const resolve: Resolve = async (hostname) => {
      calls.push(hostname);
      const answer = answers[Math.min(calls.length, answers.length) - 1]!;
      return answer.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
    };
    return { resolve, calls };
  };
  const attempt = (fetchImpl: typeof fetch, url: string) => fetchImpl(url, { signal: AbortSignal.timeout(2000) }).then(() => null, (err: unknown) => err);

  it('refuses a name that resolves to a loopback address, without connecting', async () => {
    const before = connections();
    const { resolve, calls } = resolver(['127.0.0.1']);
    const err = await attempt(publicAddressFetch({ resolve }), `https://jwks.attacker.example:${port}/jwks.json`);
    expect(err).toBeInstanceOf(AddressRefused);
    expect((err as Error).message).toBe('jwks.attacker.example resolves to a loopback address');
    expect(calls).toEqual(['jwks.attacker.example']);
    expect(connections()).toBe(before);
  });

  it('refuses the whole name when any one of its addresses is not public', async () => {
    const { resolve } = resolver(['93.184.216.34', '10.0.0.7']);
    expect(await attempt(publicAddressFetch({ resolve }), `https://mixed.example:${port}/`)).toBeInstanceOf(AddressRefused);
  });

  it('refuses an address literal before any lookup', async () => {
    const before = connections();
    const { resolve, calls } = resolver(['93.184.216.34']);
    for (const url of [`https://127.0.0.1:${port}/`, 'https://[::1]/', 'https://169.254.169.254/latest/meta-data/']) {
      expect(await attempt(publicAddressFetch({ resolve }), url)).toBeInstanceOf(AddressRefused);
    }
    expect(calls).toEqual([]);
    expect(connections()).toBe(before);
  });

  it('connects to the address it checked: a name that changes its answer afterwards (DNS rebinding) gets no second lookup', async () => {
    // Here 127.0.0.2 stands for a public address (nothing listens there) and 127.0.0.1
    // for the internal one the name is rebound to, where the counting server waits.
    const refusal = (address: string) => (address === '127.0.0.2' ? null : 'internal');
    const before = connections();
    const { resolve, calls } = resolver(['127.0.0.2'], ['127.0.0.1']);
    const err = await attempt(publicAddressFetch({ resolve, refusal }), `https://rebind.example:${port}/jwks.json`);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED'); // it went to 127.0.0.2
    expect(calls).toEqual(['rebind.example']);
    expect(connections()).toBe(before);
    // The control: when the checked address is the counting server's, that is where it connects.
    const direct = resolver(['127.0.0.1']);
    await attempt(publicAddressFetch({ resolve: direct.resolve, refusal: () => null }), `https://rebind.example:${port}/jwks.json`);
    expect(connections()).toBe(before + 1);
  });
});
