import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectionCounter {
  port: number;
  /** TCP connections accepted so far. */
  count(): number;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that counts connections and answers none: did anything connect here? */
export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
