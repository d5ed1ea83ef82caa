import fs from 'node:fs';
import path from 'node:path';
import type { WidgetPageAssets } from '../page/renderWidgetPage.ts';
import { WIDGET_DIST } from '../projectPaths.ts';

export interface AssetFile {
  body: Buffer;
  type: string;
  /** Hashed names never change content, so browsers may keep them for a year. */
  immutable: boolean;
}

export interface WidgetAssets {
  page: WidgetPageAssets;
  /** URL path -> file, e.g. /assets/widget-abc123.js, /sdk/embed.js */
  files: Map<string, AssetFile>;
}

interface ManifestChunk {
  file: string;
  css?: string[];
  imports?: string[];
  isEntry?: boolean;
  name?: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Reads the Vite build into memory once: a whitelist of files, so no path from a request ever touches the disk. */
export function loadWidgetAssets(distDir = WIDGET_DIST): WidgetAssets {
  const manifestPath = path.join(distDir, '.vite/manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`The widget is not built (${manifestPath} is missing). Run \`npm run build\`.`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>;
  const entry = Object.values(manifest).find((chunk) => chunk.isEntry && chunk.name === 'widget');
  if (!entry) throw new Error('The widget build has no "widget" entry; rebuild it with `npm run build`.');

  const files = new Map<string, AssetFile>();
  for (const dir of ['assets', 'sdk']) {
    const full = path.join(distDir, dir);
    if (!fs.existsSync(full)) continue;
    for (const name of fs.readdirSync(full)) {
      const type = TYPES[path.extname(name)];
      if (!type) continue;
      files.set(`/${dir}/${name}`, { body: fs.readFileSync(path.join(full, name)), type, immutable: dir === 'assets' });
    }
  }
  return {
    page: {
      scripts: [`/${entry.file}`],
      preloads: (entry.imports ?? []).flatMap((key) => (manifest[key] ? [`/${manifest[key].file}`] : [])),
      styles: (entry.css ?? []).map((css) => `/${css}`),
    },
    files,
  };
}
