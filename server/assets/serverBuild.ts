import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../projectPaths.ts';

export const SERVER_DIST = path.join(PROJECT_ROOT, 'dist/server');

/** What `npm run build` bundles: the server and the admin commands, each one file. */
export interface ServerBundles {
  /** `npm run start:prod` (bin/widget-server.js) runs it. */
  server: string;
  /** bin/widget-admin.js runs it in production. */
  admin: string;
}

/**
 * The server and the admin commands as plain ES modules for production: no
 * TypeScript loader at run time, which costs a worker thread with its own V8
 * heap (~30 MB RSS) and start-up work, and is a development dependency.
 * Packages stay external (node_modules).
 */
export async function buildServer(outdir = SERVER_DIST): Promise<ServerBundles> {
  await build({
    entryPoints: { main: path.join(PROJECT_ROOT, 'server/main.ts'), widgetAdmin: path.join(PROJECT_ROOT, 'server/cli/widgetAdmin.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: true,
    logLevel: 'warning',
  });
  return { server: path.join(outdir, 'main.js'), admin: path.join(outdir, 'widgetAdmin.js') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await buildServer();
  console.error(`built ${Object.values(built).map((file) => path.relative(process.cwd(), file)).join(', ')}`);
}
