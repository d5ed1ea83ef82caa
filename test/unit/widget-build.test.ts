import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, WIDGET_DIST } from '../../server/projectPaths.ts';

// The test run builds the widget (globalSetup) under NODE_ENV=test, and `npm start` and
// the bench reuse that build: it must be the release build, never a development one.
describe('the widget build a test run leaves behind', () => {
  const scripts = fs
    .readdirSync(path.join(WIDGET_DIST, 'assets'))
    .filter((file) => file.endsWith('.js'))
    .map((file) => fs.readFileSync(path.join(WIDGET_DIST, 'assets', file), 'utf8'));

  it('is the release build: no JSX source locations, no paths of this machine', () => {
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(script).not.toContain('lineNumber');
      expect(script).not.toContain('__source');
      expect(script).not.toContain(PROJECT_ROOT);
    }
  });

  it('leaves Preact out of the host SDK, which has no JSX (the widget build compiles JSX to createElement)', () => {
    const sdk = fs.readFileSync(path.join(WIDGET_DIST, 'sdk/v1/embed.js'), 'utf8');
    expect(scripts.some((script) => script.includes('dangerouslySetInnerHTML'))).toBe(true);
    expect(sdk).not.toContain('dangerouslySetInnerHTML');
  });
});
