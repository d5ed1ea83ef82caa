import { describeMissing, missingBrowsers } from './testRequirements.ts';

// globalSetup of the e2e run on CI (CI=true): every browser is mandatory there,
// and a missing one fails the run with the line that outside CI skips its part.
export default function setup(): void {
  const missing = missingBrowsers();
  if (missing.length > 0) throw new Error(missing.map(describeMissing).join('\n'));
}
