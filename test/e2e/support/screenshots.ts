import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../server/projectPaths.ts';

// Where the e2e suites write their screenshots: test-results/screenshots (ignored
// by git), so `npm test` leaves a clean checkout clean. `npm run screenshots`
// sets WIDGET_SCREENSHOTS_DIR=docs/screenshots to refresh the committed ones.
export const SCREENSHOTS = path.resolve(PROJECT_ROOT, process.env.WIDGET_SCREENSHOTS_DIR || 'test-results/screenshots');

/** The path for a screenshot named `name` (e.g. chromium-light-320.png), its folder created. */
export function screenshotPath(name: string): string {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}
