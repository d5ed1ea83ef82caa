#!/usr/bin/env node
// `widget-admin` (`npx widget-admin ...`; `npm run tenant|keys|sessions|migrate`).
// With NODE_ENV=production it runs what `npm run build` bundled, with plain node,
// as `npm run start:prod` runs the server: a production install needs no
// TypeScript loader. Elsewhere it runs the TypeScript sources, registering tsx
// for this process only (never through NODE_OPTIONS, which every child inherits).
import fs from 'node:fs';

let entry;
if (process.env.NODE_ENV === 'production') {
  entry = new URL('../dist/server/widgetAdmin.js', import.meta.url);
  if (!fs.existsSync(entry)) {
    console.error('widget-admin: dist/server/widgetAdmin.js is missing; run `npm run build` first (production runs the built JavaScript)');
    process.exit(1);
  }
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../server/cli/widgetAdmin.ts', import.meta.url);
}
const { runWidgetAdmin } = await import(entry.href);
await runWidgetAdmin();
