import net from 'node:net';

/**
 * A port the OS just handed out on 127.0.0.1 and nothing holds now. The OS
 * picks from its whole ephemeral range, so two test runs on one machine (two
 * clones, or the sqlite and pg projects of one run) do not probe the same few
 * ports; someone may still take it before our child binds it, which
 * `startOnFreePorts` answers by trying again.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
