import net from 'node:net';

// N nodes behind one address, for the bench: each client connection goes to
// the next backend in turn and is piped there (what a TCP load balancer such
// as nginx's stream module or an AWS NLB does). The bench sends the same row
// through it to one node and to two, so both pay the same hop.
// Usage: tsx bench/balancer.ts PORT BACKEND_PORT [BACKEND_PORT...]

const [portArg, ...backendArgs] = process.argv.slice(2);
const port = Number(portArg);
const backends = backendArgs.map(Number);
if (!Number.isInteger(port) || backends.length === 0 || !backends.every(Number.isInteger)) {
  console.error('usage: balancer.ts PORT BACKEND_PORT [BACKEND_PORT...]');
  process.exit(2);
}

let next = 0;
const server = net.createServer({ noDelay: true }, (client) => {
  const backend = net.connect({ host: '127.0.0.1', port: backends[next++ % backends.length]!, noDelay: true });
  client.pipe(backend).pipe(client);
  const close = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', close).on('close', close);
  backend.on('error', close).on('close', close);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
