import http from 'node:http';
import Koa from 'koa';

// The floors the widget server is measured against: the least any Node HTTP
// server (bare http) or any Koa app (one middleware) can do per request.
// Usage: tsx bench/helloServer.ts node|koa PORT

const [kind, portArg] = process.argv.slice(2);
const port = Number(portArg);

const handler: http.RequestListener =
  kind === 'koa'
    ? new Koa()
        .use((ctx) => {
          ctx.body = 'hello';
        })
        .callback()
    : (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('hello');
      };

if ((kind !== 'node' && kind !== 'koa') || !Number.isInteger(port)) {
  console.error('usage: helloServer.ts node|koa PORT');
  process.exit(2);
}
const server = http.createServer(handler);
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
