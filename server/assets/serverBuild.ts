import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../projectPaths.ts';

export const SERVER_BUNDLE = path.join(PROJECT_ROOT, 'dist/server/main.js');

/**
 * The server as one plain ES module for production (`npm run start:prod`):
 * no TypeScript loader at run time, which costs a worker thread with its own
 * V8 heap (~30 MB RSS) and start-up work. Packages stay external (node_modules).
 */
export async function buildServer(outfile = SERVER_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(PROJECT_ROOT, 'server/main.ts')],
    outfile,
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
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildServer();
  console.error(`built ${path.relative(process.cwd(), SERVER_BUNDLE)}`);
}
