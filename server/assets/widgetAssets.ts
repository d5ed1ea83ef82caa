import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Encoding } from '../http/contentEncoding.ts';
import type { WidgetPageAssets } from '../page/renderWidgetPage.ts';
import { WIDGET_DIST } from '../projectPaths.ts';

export interface AssetFile {
  body: Buffer;
  type: string;
  cacheControl: string;
  /** Strong validator of the unencoded body (RFC 9110 section 8.8.3); encoded variants append their coding. */
  etag: string;
  /** Subresource Integrity value of the body ("sha384-..."), as published in /sdk/v1/integrity.json. */
  integrity: string;
  /** Encoded variants, made on first request and kept: the bytes never change while the server runs. */
  encoded: Map<Encoding, Promise<Buffer>>;
}

export interface WidgetAssets {
  page: WidgetPageAssets;
  /** URL path -> file, e.g. /assets/widget-abc123.js, /sdk/v1/embed.js */
  files: Map<string, AssetFile>;
}

/** The SDK's versioned folder: its API (and postMessage schema) is v1 as long as this path is. */
export const SDK_BASE = '/sdk/v1';
/** Where hosts from before the versioned URL load the same file. */
const SDK_ALIASES: Record<string, string> = { '/sdk/embed.js': `${SDK_BASE}/embed.js` };
export const SDK_INTEGRITY_PATH = `${SDK_BASE}/integrity.json`;

// Hashed names never change content: a year, immutable. The versioned SDK
// changes only with a release of the server, and pinned copies (SRI) must
// keep matching what a browser holds: a day, then a cheap revalidation by
// ETag. Unversioned URLs revalidate often.
const CACHE_HASHED = 'public, max-age=31536000, immutable';
const CACHE_VERSIONED = 'public, max-age=86400';
const CACHE_UNVERSIONED = 'public, max-age=300';

export function assetFile(body: Buffer, type: string, cacheControl: string): AssetFile {
  const digest = (alg: string) => crypto.createHash(alg).update(body).digest('base64');
  return { body, type, cacheControl, etag: `"${digest('sha256').slice(0, 27)}"`, integrity: `sha384-${digest('sha384')}`, encoded: new Map() };
}

/** Every file under `dir`, as paths relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
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
  '.ts': 'application/typescript; charset=utf-8',
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
  for (const [dir, cacheControl] of [['assets', CACHE_HASHED], ['sdk', CACHE_VERSIONED]] as const) {
    for (const name of listFiles(path.join(distDir, dir))) {
      const type = TYPES[path.extname(name)];
      if (type) files.set(`/${dir}/${name}`, assetFile(fs.readFileSync(path.join(distDir, dir, name)), type, cacheControl));
    }
  }
  for (const [alias, target] of Object.entries(SDK_ALIASES)) {
    const file = files.get(target);
    if (file) files.set(alias, { ...file, cacheControl: CACHE_UNVERSIONED });
  }
  // Computed from the bytes served, so the published hashes cannot disagree with them.
  const integrity = Object.fromEntries([...files].filter(([url]) => url.startsWith(`${SDK_BASE}/`)).map(([url, file]) => [url, file.integrity]));
  files.set(SDK_INTEGRITY_PATH, assetFile(Buffer.from(JSON.stringify(integrity, null, 2) + '\n'), 'application/json; charset=utf-8', CACHE_UNVERSIONED));
  return {
    page: {
      scripts: [`/${entry.file}`],
      preloads: (entry.imports ?? []).flatMap((key) => (manifest[key] ? [`/${manifest[key].file}`] : [])),
      styles: (entry.css ?? []).map((css) => `/${css}`),
    },
    files,
  };
}
