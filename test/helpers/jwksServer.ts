import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A host's JWKS endpoint on loopback, whose behaviour a test can change.
export type JwksBehaviour =
  | { kind: 'json'; body: unknown }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'trickle' }
  | { kind: 'redirect'; location: string };

export interface JwksServer {
  url: string;
  /** Requests received, per path. */
  hits: Map<string, number>;
  totalHits(): number;
  behave(behaviour: JwksBehaviour): void;
  close(): Promise<void>;
}

export async function startJwksServer(initial: JwksBehaviour = { kind: 'json', body: { keys: [] } }): Promise<JwksServer> {
  let behaviour = initial;
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    const b = behaviour;
    if (b.kind === 'json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(b.body));
    } else if (b.kind === 'raw') {
      // write() then end(): chunked, so no Content-Length unless the test sets one.
      res.writeHead(b.status, { 'Content-Type': 'application/json', ...b.headers });
      res.write(b.body);
      res.end();
    } else if (b.kind === 'redirect') {
      res.writeHead(302, { Location: b.location });
      res.end();
    } else if (b.kind === 'trickle') {
      // Headers at once, then a byte now and then: only a whole-request timeout stops it.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"keys":[');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    }
    // 'hang': never answer.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    behave(next) {
      behaviour = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
