import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

// Where a run's wall time goes, per test file: the ten slowest printed at the
// end, all of them in test-results/timings-<run>.json (ignored by git). Files
// run two at a time, so the sum is about twice the wall time.

const OUT_DIR = path.resolve(import.meta.dirname, '../../test-results');

export default class FileTimingReporter implements Reporter {
  private started = Date.now();

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (testModules.length === 0) return;
    const rows = testModules
      .map((module) => {
        const d = module.diagnostic();
        // Setup and collection (imports) run in the file's worker too: count them.
        const ms = Math.round(d.duration + d.collectDuration + d.setupDuration + d.prepareDuration + d.environmentSetupDuration);
        return { file: path.relative(path.resolve(OUT_DIR, '..'), module.moduleId), project: module.project.name, ms };
      })
      .sort((a, b) => b.ms - a.ms);
    const wallMs = Date.now() - this.started;
    const run = process.env.WIDGET_E2E === '1' ? 'e2e' : 'unit';
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, `timings-${run}.json`), JSON.stringify({ wallMs, files: rows }, null, 2) + '\n');
    const lines = rows.slice(0, 10).map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.project ? `[${r.project}] ` : ''}${r.file}`);
    console.log(`\n  slowest files (wall ${(wallMs / 1000).toFixed(0)} s; all in test-results/timings-${run}.json):\n${lines.join('\n')}\n`);
  }
}
