import net from 'node:net';
import { AddressRefused, notPublicReason, publicAddressFetch } from './publicAddressFetch.ts';

// Fetches a tenant's JWKS document. The URL was registered by an operator, never
// taken from a token (jku/x5u are ignored), and the fetch is bounded in time and
// size so that a slow or hostile endpoint can only fail a launch, never hang it.
// In production it connects to public addresses only (publicAddressFetch.ts).

export interface JwksFetchOptions {
  /** Whole request, headers and body included. */
  timeoutMs: number;
  maxBytes: number;
  fetch: typeof globalThis.fetch;
}

export const DEFAULT_JWKS_FETCH: JwksFetchOptions = {
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  fetch: (...args) => globalThis.fetch(...args),
};

/** Production: only public addresses; outside it, loopback too (local hosts and tests). */
export const jwksFetchFor = (production: boolean): JwksFetchOptions => (production ? { ...DEFAULT_JWKS_FETCH, fetch: publicAddressFetch() } : DEFAULT_JWKS_FETCH);

export class JwksUrlError extends Error {}

/** Why a fetch failed, in words safe to show a host developer (nothing from the response body). */
export class JwksFetchError extends Error {}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * https only; plain http only for a loopback host outside production (local
 * development and tests), because the keys decide who may sign users in.
 */
export function checkJwksUrl(raw: string, { production }: { production: boolean }): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new JwksUrlError(`"${raw}" is not a URL; give the full https:// address of the JWKS document`);
  }
  if (url.username || url.password) throw new JwksUrlError('the JWKS URL must not contain credentials');
  if (url.hash) throw new JwksUrlError('the JWKS URL must not contain a #fragment');
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    if (production) throw new JwksUrlError('plain http JWKS URLs are refused in production; use https');
    return url;
  }
  if (url.protocol !== 'https:') throw new JwksUrlError('the JWKS URL must use https (plain http only for 127.0.0.1, localhost or [::1] outside production)');
  // Names are checked when they are resolved, at every fetch (publicAddressFetch.ts).
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const refused = production && net.isIP(literal) ? notPublicReason(literal) : null;
  if (refused) throw new JwksUrlError(`the JWKS URL must name a public host in production; ${literal} is ${refused}`);
  return url;
}

export async function fetchJwksDocument(url: URL, options: JwksFetchOptions = DEFAULT_JWKS_FETCH): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    // A redirect could leave https or the registered host: follow none.
    response = await options.fetch(url, { signal, redirect: 'error', headers: { Accept: 'application/json, application/jwk-set+json' } });
  } catch (err) {
    if (err instanceof AddressRefused) throw new JwksFetchError(`refused before connecting: ${err.message}`);
    throw new JwksFetchError(signal.aborted ? `no answer within ${options.timeoutMs} ms` : 'the request failed (connection refused, TLS error or redirect)');
  }
  try {
    if (response.status !== 200) throw new JwksFetchError(`it answered HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length'));
    if (declared > options.maxBytes) throw new JwksFetchError(`the document is larger than ${options.maxBytes} bytes`);
    const text = await readCapped(response, options.maxBytes, signal, options.timeoutMs);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new JwksFetchError('the document is not JSON');
    }
  } finally {
    // Frees the connection when we stopped early (status, size).
    await response.body?.cancel().catch(() => {});
  }
}

async function readCapped(response: Response, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new JwksFetchError(`the document is larger than ${maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof JwksFetchError) throw err;
    throw new JwksFetchError(signal.aborted ? `no complete answer within ${timeoutMs} ms` : 'the connection broke while reading the document');
  } finally {
    reader.releaseLock();
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new JwksFetchError('the document is not UTF-8');
  }
}
