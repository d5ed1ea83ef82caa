import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration, type ViteUserConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import { CHROMIUM_E2E, describeMissing, missingBrowsers, missingPostgres, onCi, WEBKIT_E2E, type MissingPart } from './test/helpers/testRequirements.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const e2e = process.env.WIDGET_E2E === '1';

// The integration tests (real app, real database) and the kill -9 suite run
// twice: on SQLite and on PostgreSQL (TEST_DATABASE=pg, a schema per test app).
// What the machine lacks (PostgreSQL here, the browsers for the e2e run) skips
// its part with one line saying what, why and how to install it, except on CI
// (CI=true), where the part runs anyway and its globalSetup fails with that line.
async function testProjects(mode: string): Promise<TestProjectInlineConfiguration[]> {
  const sqlite: TestProjectInlineConfiguration = {
    extends: true,
    test: { name: 'sqlite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: [...EXCLUDE, 'test/integration/multi-node.test.ts'] },
  };
  const pgProject: TestProjectInlineConfiguration = {
    extends: true,
    test: {
      name: 'pg',
      include: ['test/integration/**/*.test.ts', 'test/reliability/durability.test.ts'],
      env: { TEST_DATABASE: 'pg' },
      globalSetup: ['test/helpers/postgresSetup.ts'],
    },
  };
  if (mode !== 'test' || onCi()) return [sqlite, pgProject];
  const missing = await once('postgres', () => missingPostgres());
  return missing === null ? [sqlite, pgProject] : [sqlite];
}

// Vitest evaluates this file more than once per run: probe and print once.
function once<T extends MissingPart | MissingPart[] | null>(key: string, probe: () => Promise<T> | T): Promise<T> {
  const memo = globalThis as { requirementProbes?: Record<string, Promise<unknown>> };
  memo.requirementProbes ??= {};
  memo.requirementProbes[key] ??= Promise.resolve(probe()).then((found) => {
    for (const part of [found].flat()) if (part) console.warn(`\n  ${describeMissing(part)}\n`);
    return found;
  });
  return memo.requirementProbes[key] as Promise<T>;
}

/** The e2e run: files of a part whose browser is missing are left out (outside CI). */
async function e2eTestOptions(): Promise<ViteUserConfig['test']> {
  const missing = onCi() ? missingBrowsers() : await once('browsers', () => missingBrowsers());
  const chromiumMissing = missing.some((m) => m.files.includes(CHROMIUM_E2E));
  const webkitMissing = missing.some((m) => m.files.includes(WEBKIT_E2E));
  const include = chromiumMissing ? (webkitMissing ? [] : [WEBKIT_E2E]) : [CHROMIUM_E2E];
  const exclude = ['node_modules/**', ...(webkitMissing && !chromiumMissing ? [WEBKIT_E2E] : [])];
  return onCi()
    ? { include: [CHROMIUM_E2E], exclude: ['node_modules/**'], globalSetup: ['test/helpers/globalSetup.ts', 'test/helpers/requirementsSetup.ts'] }
    : { include, exclude, passWithNoTests: true, globalSetup: ['test/helpers/globalSetup.ts'] };
}

const EXCLUDE = ['test/e2e/**', 'node_modules/**'];

// Runnable processes per core when the run starts (1 on an idle machine), up to
// 10: what the per-test timeouts below are multiplied by.
const BUSY = Math.min(10, Math.max(1, (os.loadavg()[0] ?? 0) / os.availableParallelism()));

// Two builds, one command (`vite build` builds both environments): the widget
// app (hashed, cached forever, listed in the manifest the server reads) and the
// host SDK at the versioned URL hosts embed, /sdk/v1/embed.js, with its
// TypeScript declarations beside it (/sdk/v1/embed.d.ts). Built apart because
// both use the postMessage schema (widget/host/messages.ts): in one build it
// became a shared chunk, an extra request from the iframe for code half of
// which only the SDK runs.
//
// Browser floor: what the widget already needs (crypto.randomUUID), so no
// syntax or CSS is lowered for browsers that could not run it anyway.
const BROWSERS = ['chrome92', 'edge92', 'firefox95', 'safari15.4'];

// The import the classic JSX transform needs, in .tsx files only. Vite's own
// `jsxInject` also reaches every .ts file in a build, and so put Preact into
// the host SDK (embed.js), which has no JSX: its import alone kept Preact's
// module-level code.
function jsxImport(): Plugin {
  return {
    name: 'jsx-import',
    enforce: 'pre',
    transform(code, id) {
      // On the first line, so every other line keeps its number in source maps.
      return /\.tsx$/.test(id) ? { code: `import { createElement, Fragment } from 'preact';${code}`, map: null } : null;
    },
  };
}

// The SDK's declarations are generated from its source (widget/host/embedTypes.ts
// through embed.ts) in the same build as the script, so the two cannot drift.
function sdkDeclarations(): Plugin {
  return {
    name: 'sdk-declarations',
    apply: 'build',
    applyToEnvironment: (environment) => environment.name === 'sdk',
    async generateBundle() {
      const { generateDtsBundle } = await import('dts-bundle-generator');
      const [source] = generateDtsBundle([{ filePath: here('widget/host/embed.ts'), output: { noBanner: true, exportReferencedTypes: false } }], {
        preferredConfigPath: here('tsconfig.json'),
      });
      this.emitFile({ type: 'asset', fileName: 'embed.d.ts', source: `// Types of the notes widget host SDK (embed.js beside this file).\n${source}` });
    },
  };
}

export default defineConfig(async ({ mode }): Promise<ViteUserConfig> => ({
  root: here('widget'),
  publicDir: false,
  // JSX as Preact's createElement(type, props, ...children), which render() needs
  // anyway: the same vnodes as the automatic runtime (which the server render and
  // tsc use), without a `children: [...]` wrapper around every element's children,
  // 0.12 kB gzip less in the iframe (issue 17). Never the development transform, in
  // tests too: its __source and __self props would render as attributes.
  oxc: { jsx: { runtime: 'classic', pragma: 'createElement', pragmaFrag: 'Fragment', development: false } },
  plugins: [jsxImport(), sdkDeclarations()],
  // Terser in two passes: 0.35 kB gzip less of widget JS than the default minifier
  // (oxc) on the same code, which matters against the iframe's 10 kB budget (issue 17).
  // Preact's private fields (__k, __e, __H...: its own mangled names, read by
  // nothing outside the bundle) get one-letter names. Only those: every other
  // property may meet JSON, the DOM or the host page.
  build: {
    target: BROWSERS,
    modulePreload: false,
    minify: 'terser',
    terserOptions: { compress: { passes: 2 }, mangle: { properties: { regex: /^__[A-Za-z]{0,2}$/ } } },
  },
  environments: {
    client: {
      build: {
        outDir: here('dist/widget'),
        emptyOutDir: true,
        manifest: true,
        rollupOptions: {
          input: { widget: here('widget/main.tsx') },
          output: { entryFileNames: 'assets/[name]-[hash].js', chunkFileNames: 'assets/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
        },
      },
    },
    sdk: {
      consumer: 'client',
      build: {
        outDir: here('dist/widget/sdk/v1'),
        emptyOutDir: false,
        rollupOptions: {
          input: { embed: here('widget/host/embed.ts') },
          // Hosts import { mount } from /sdk/v1/embed.js; an app build would drop entry exports.
          preserveEntrySignatures: 'exports-only',
          output: { entryFileNames: 'embed.js' },
        },
      },
    },
  },
  builder: {
    // In order: the client build empties dist/widget first.
    async buildApp(builder) {
      await builder.build(builder.environments.client!);
      await builder.build(builder.environments.sdk!);
    },
  },
  test: {
    root: here('.'),
    // Browser suites (test/e2e) run on their own: `npm run test:e2e`, two files at a time (most of
    // their time is real waiting: token lifetimes, readyTimeouts). Everything else runs in the
    // "sqlite" and "pg" projects.
    ...(e2e ? await e2eTestOptions() : { exclude: EXCLUDE, projects: await testProjects(mode), globalSetup: ['test/helpers/globalSetup.ts'] }),
    fileParallelism: true,
    pool: 'forks',
    maxWorkers: 2,
    // Bounds for a hang, never deadlines: set for a 2-core machine shared with
    // other work, and scaled by how busy this one is as the run starts.
    testTimeout: Math.round((e2e ? 180_000 : 120_000) * BUSY),
    hookTimeout: Math.round(180_000 * BUSY),
    reporters: ['default', './test/helpers/fileTimingReporter.ts'],
  },
}));
