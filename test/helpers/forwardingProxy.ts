import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardingProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy as nginx (`$proxy_add_x_forwarded_for`) or an AWS ALB runs one:
 * it appends the address it saw the request come from to X-Forwarded-For.
 * `seenAs` stands in for that address, so one test can play several clients.
 */
export async function startForwardingProxy(target: string, seenAs: string): Promise<ForwardingProxy> {
  const { hostname, port } = new URL(target);
  const server = http.createServer((req, res) => {
    const forwardedFor = req.headers['x-forwarded-for'];
    const headers = { ...req.headers, 'x-forwarded-for': forwardedFor ? `${forwardedFor}, ${seenAs}` : seenAs };
    const upstream = http.request({ hostname, port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
