import fs from 'node:fs';
import path from 'node:path';

/**
 * The project's root: the nearest folder above this module that holds
 * package.json. Found rather than counted, so the TypeScript sources and the
 * production bundle (dist/server/main.js) agree wherever they sit.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(import.meta.dirname);
/** The Vite build of the widget and the host SDK, which the server serves from memory. */
export const WIDGET_DIST = path.join(PROJECT_ROOT, 'dist/widget');
