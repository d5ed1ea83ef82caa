import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration, type ViteUserConfig } from 'vitest/config';
import type { Plugin } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const e2e = process.env.WIDGET_E2E === '1';

// The integration tests (real app, real database) run twice: on SQLite and on
// PostgreSQL (TEST_DATABASE=pg, a schema per test app). Without a reachable
// PostgreSQL the second run is skipped with a notice, except on CI (CI=true),
// where the "pg" project runs anyway and its globalSetup fails the run.
async function testProjects(mode: string): Promise<TestProjectInlineConfiguration[]> {
  const sqlite: TestProjectInlineConfiguration = {
    extends: true,
    test: { name: 'sqlite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: [...EXCLUDE, 'test/integration/multi-node.test.ts'] },
  };
  const pgProject: TestProjectInlineConfiguration = {
    extends: true,
    test: { name: 'pg', include: ['test/integration/**/*.test.ts'], env: { TEST_DATABASE: 'pg' }, globalSetup: ['test/helpers/postgresSetup.ts'] },
  };
  if (mode !== 'test') return [sqlite, pgProject];
  const onCi = !['', '0', 'false'].includes(process.env.CI ?? '');
  if (onCi) return [sqlite, pgProject];
  // Vitest evaluates this file more than once per run: probe and warn once.
  const probe = globalThis as { postgresProbe?: Promise<string | null> };
  probe.postgresProbe ??= import('./test/helpers/testDatabase.ts').then(async ({ postgresUnavailableReason }) => {
    const reason = await postgresUnavailableReason();
    if (reason !== null) console.warn(`\n  ${reason}: skipping the PostgreSQL run of the integration tests (on CI this fails).\n`);
    return reason;
  });
  return (await probe.postgresProbe) === null ? [sqlite, pgProject] : [sqlite];
}

const EXCLUDE = ['test/e2e/**', 'node_modules/**'];

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
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [sdkDeclarations()],
  resolve: { alias: [{ find: /^preact\/jsx-runtime$/, replacement: here('widget/jsxRuntime.ts') }] },
  // Terser in two passes: 0.35 kB gzip less of widget JS than the default minifier
  // (oxc) on the same code, which matters against the iframe's 10 kB budget (issue 17).
  build: { target: BROWSERS, modulePreload: false, minify: 'terser', terserOptions: { compress: { passes: 2 } } },
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
    // Browser suites (test/e2e) run on their own, one file at a time: `npm run test:e2e`.
    // Everything else runs in the "sqlite" and "pg" projects.
    ...(e2e ? { include: ['test/e2e/**/*.e2e.test.ts'], exclude: ['node_modules/**'] } : { exclude: EXCLUDE, projects: await testProjects(mode) }),
    fileParallelism: !e2e,
    globalSetup: ['test/helpers/globalSetup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: e2e ? 60_000 : 20_000,
    hookTimeout: 60_000,
  },
}));
