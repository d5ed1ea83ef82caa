// `npm run start:prod`: the production server, the bundle `npm run build` makes,
// run by plain node. Before a build there is nothing to run: say so in one line
// instead of node's ERR_MODULE_NOT_FOUND stack.
import fs from 'node:fs';

const bundle = new URL('../dist/server/main.js', import.meta.url);
if (!fs.existsSync(bundle)) {
  console.error('The widget server is not built (dist/server/main.js is missing): run `npm run build` first, then `npm run start:prod`.');
  process.exit(1);
}
await import(bundle.href);
