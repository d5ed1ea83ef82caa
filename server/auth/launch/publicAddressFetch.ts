import dns from 'node:dns';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';

// In production a JWKS URL is fetched only from public addresses: an operator
// can be talked into registering a URL whose name points at loopback, the
// private network or a cloud metadata endpoint (SSRF). The name is resolved
// once, every address is checked, and the socket connects to exactly the
// addresses that were checked (a DNS answer that changes between a check and
// a second lookup, DNS rebinding, has no second lookup to change).

/** The connection was refused before it was made: the address is not public. */
export class AddressRefused extends Error {
  override name = 'AddressRefused';
}

const V4_NOT_PUBLIC: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'a "this network" address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address'], // Alibaba Cloud's metadata service too
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address'], // the metadata services of AWS, GCP, Azure
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'a protocol-assignment address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];
const V6_NOT_PUBLIC: Array<[string, number, string]> = [
  ['::', 96, 'an unspecified, loopback or IPv4-compatible address'],
  ['100::', 64, 'a discard address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['fc00::', 7, 'a unique-local address'], // AWS's IPv6 metadata service, fd00:ec2::254
  ['fe80::', 10, 'a link-local address'],
  ['ff00::', 8, 'a multicast address'],
];

function rangesOf(entries: Array<[string, number, string]>, type: 'ipv4' | 'ipv6') {
  return entries.map(([network, prefix, what]) => {
    const list = new net.BlockList();
    list.addSubnet(network, prefix, type);
    return { list, what };
  });
}
const V4 = rangesOf(V4_NOT_PUBLIC, 'ipv4');
const V6 = rangesOf(V6_NOT_PUBLIC, 'ipv6');

/** An IPv4 address carried inside an IPv6 one (::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), or null. */
function embeddedIpv4(address: string): string | null {
  const match = /^(?:::ffff:(?:0:)?|64:ff9b::)(.+)$/i.exec(address);
  if (!match) return null;
  const tail = match[1]!;
  if (net.isIPv4(tail)) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return null;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Why an address may not be fetched from (e.g. "a loopback address"), or null for a public one. */
export function notPublicReason(address: string): string | null {
  const v4 = net.isIPv4(address) ? address : net.isIPv6(address) ? embeddedIpv4(address) : null;
  if (v4) return V4.find((r) => r.list.check(v4, 'ipv4'))?.what ?? null;
  if (!net.isIPv6(address)) return 'not an IP address';
  return V6.find((r) => r.list.check(address, 'ipv6'))?.what ?? null;
}

export type Resolve = (hostname: string) => Promise<dns.LookupAddress[]>;

export interface PublicAddressFetchOptions {
  /** Name -> addresses; the system resolver by default. */
  resolve?: Resolve;
  /** Why an address is refused, or null; notPublicReason by default. */
  refusal?: (address: string) => string | null;
}

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A fetch for https URLs that connects only to addresses `refusal` lets through; it follows no redirect. */
export function publicAddressFetch({ resolve = systemResolve, refusal = notPublicReason }: PublicAddressFetchOptions = {}): typeof globalThis.fetch {
  const checkedLookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.length === 0 ? 'no address at all' : addresses.map((a) => refusal(a.address)).find((why) => why !== null);
        if (refused) return callback(new AddressRefused(`${hostname} resolves to ${refused}`), '', 0);
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };

  return (input, init) =>
    new Promise<Response>((settle, fail) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== 'https:') return fail(new AddressRefused('only https URLs are fetched'));
      // An address literal is connected to without a lookup: check it here.
      const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const refused = net.isIP(literal) ? refusal(literal) : null;
      if (refused) return fail(new AddressRefused(`${literal} is ${refused}`));
      const request = https.request(url, { headers: Object.fromEntries(new Headers(init?.headers)), lookup: checkedLookup, signal: init?.signal ?? undefined }, (answer) => {
        const status = answer.statusCode ?? 0;
        const headers = new Headers();
        for (const [name, value] of Object.entries(answer.headers)) for (const v of [value ?? []].flat()) headers.append(name, v);
        try {
          settle(new Response(status === 204 || status === 304 ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>), { status, headers }));
        } catch (err) {
          // A status a Response cannot carry (1xx, or none at all).
          answer.destroy();
          fail(err);
        }
      });
      request.on('error', fail);
      request.end();
    });
}
