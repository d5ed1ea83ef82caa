import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from '../../server/assets/serverBuild.ts';
import { PROJECT_ROOT } from '../../server/projectPaths.ts';

// Child-process suites run the server bundled once per run (esbuild, about a
// second) with plain node: through tsx every start compiled the sources again,
// a few seconds of CPU each on a busy 2-core machine, dozens of times a run.
// `npm start` (tsx) keeps its own test (startup.test.ts).

const BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist/test-server');
export const TEST_SERVER_BUNDLE = path.join(BUNDLE_DIR, 'main.js');

/**
 * Builds into a folder of this process's own, then renames each file into
 * place: renames are atomic, so a project's globalSetup building at the same
 * time as another's never leaves a half-written bundle for a test to start.
 */
export async function buildTestServerBundle(): Promise<void> {
  const staging = path.join(PROJECT_ROOT, 'dist', `test-server-${process.pid}-${Date.now()}`);
  try {
    await buildServer(staging);
    fs.mkdirSync(BUNDLE_DIR, { recursive: true });
    for (const file of fs.readdirSync(staging)) fs.renameSync(path.join(staging, file), path.join(BUNDLE_DIR, file));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
