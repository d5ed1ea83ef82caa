import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const e2e = process.env.WIDGET_E2E === '1';

// One build for everything the browser loads: the widget app (hashed, cached
// forever) and the host SDK at the stable URL hosts embed: /sdk/embed.js.
export default defineConfig({
  root: here('widget'),
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('dist/widget'),
    emptyOutDir: true,
    manifest: true,
    target: 'es2020',
    modulePreload: false,
    rollupOptions: {
      input: { widget: here('widget/main.tsx'), embed: here('widget/host/embed.ts') },
      // Hosts import { mount } from /sdk/embed.js; an app build would drop entry exports.
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: (chunk) => (chunk.name === 'embed' ? 'sdk/embed.js' : 'assets/[name]-[hash].js'),
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
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
