import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { WIDGET_DIST } from '../server/projectPaths.ts';

// What the iframe downloads after the launch page: the widget entry script,
// every chunk it imports (transitively), and their stylesheets, read from the
// Vite manifest the server itself serves from.

interface ManifestChunk {
  file: string;
  name?: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

export interface WidgetFileSize {
  file: string;
  bytes: number;
  gzip: number;
}

export interface WidgetSizeResult {
  files: WidgetFileSize[];
  bytes: number;
  gzip: number;
}

export function measureWidgetSize(distDir = WIDGET_DIST): WidgetSizeResult {
  const manifest = JSON.parse(fs.readFileSync(path.join(distDir, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry && manifest[key]!.name === 'widget');
  if (!entryKey) throw new Error('the widget build has no "widget" entry');

  const files = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(entryKey);

  const sizes = [...files].map((file) => {
    const body = fs.readFileSync(path.join(distDir, file));
    // Level 9, what a CDN or a precompressing build serves for static files.
    return { file, bytes: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length };
  });
  return {
    files: sizes,
    bytes: sizes.reduce((sum, f) => sum + f.bytes, 0),
    gzip: sizes.reduce((sum, f) => sum + f.gzip, 0),
  };
}
