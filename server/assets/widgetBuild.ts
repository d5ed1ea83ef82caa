import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, WIDGET_DIST } from '../projectPaths.ts';

const MANIFEST = path.join(WIDGET_DIST, '.vite/manifest.json');
// The widget imports the shared contract too: a change there is a change to the widget.
const SOURCES = ['widget', 'contract', 'vite.config.ts'].map((source) => path.join(PROJECT_ROOT, source));

function newestMtime(target: string): number {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function widgetBuildIsStale(): boolean {
  if (!fs.existsSync(MANIFEST)) return true;
  const built = fs.statSync(MANIFEST).mtimeMs;
  return SOURCES.some((source) => fs.existsSync(source) && newestMtime(source) > built);
}

/** `npm start` on a fresh clone builds the widget itself; a current build is reused. */
export async function ensureWidgetBuild(log: (message: string) => void = () => {}): Promise<void> {
  if (!widgetBuildIsStale()) return;
  log('building the widget with Vite…');
  const { createBuilder } = await import('vite');
  // The builder runs every environment of vite.config.ts (the widget and the host SDK), as `vite build` does.
  // Always the release build: Vite takes NODE_ENV from the shell, and Vitest sets it to
  // "test", which made the build a test run leaves behind (and `npm start` and the bench
  // then reuse) a development build of Preact, 3 kB larger than what is shipped.
  const shellNodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const builder = await createBuilder({ configFile: path.join(PROJECT_ROOT, 'vite.config.ts'), root: path.join(PROJECT_ROOT, 'widget'), logLevel: 'warn', mode: 'production' });
    await builder.buildApp();
  } finally {
    if (shellNodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = shellNodeEnv;
  }
}
