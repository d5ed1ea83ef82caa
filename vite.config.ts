import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const e2e = process.env.WIDGET_E2E === '1';

// Two builds, one command (`vite build` builds both environments): the widget
// app (hashed, cached forever, listed in the manifest the server reads) and the
// host SDK at the stable URL hosts embed, /sdk/embed.js. Built apart because
// both use the postMessage schema (widget/host/messages.ts): in one build it
// became a shared chunk, an extra request from the iframe for code half of
// which only the SDK runs.
//
// Browser floor: what the widget already needs (crypto.randomUUID), so no
// syntax or CSS is lowered for browsers that could not run it anyway.
const BROWSERS = ['chrome92', 'edge92', 'firefox95', 'safari15.4'];

export default defineConfig({
  root: here('widget'),
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: [{ find: /^preact\/jsx-runtime$/, replacement: here('widget/jsxRuntime.ts') }] },
  build: { target: BROWSERS, modulePreload: false },
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
        outDir: here('dist/widget/sdk'),
        emptyOutDir: false,
        rollupOptions: {
          input: { embed: here('widget/host/embed.ts') },
          // Hosts import { mount } from /sdk/embed.js; an app build would drop entry exports.
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
    // Browser suites (test/e2e) run on their own, one file at a time: `npm run test:e2e`.
    include: e2e ? ['test/e2e/**/*.e2e.test.ts'] : ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: e2e ? ['node_modules/**'] : ['test/e2e/**', 'node_modules/**'],
    fileParallelism: !e2e,
    globalSetup: ['test/helpers/globalSetup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: e2e ? 60_000 : 20_000,
    hookTimeout: 60_000,
  },
});
