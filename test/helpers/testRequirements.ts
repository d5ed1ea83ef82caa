import fs from 'node:fs';
import path from 'node:path';

// What parts of `npm test` need from the machine besides `npm ci`, and how to
// get it. Outside CI a missing one skips its part with one line saying what,
// why and the command that installs it; with CI=true the same line fails the
// run (vite.config.ts decides, requirementsSetup.ts and postgresSetup.ts fail).

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

export interface MissingPart {
  /** What is skipped. */
  part: string;
  /** Why: what is missing. */
  reason: string;
  /** The exact command that installs it. */
  install: string;
  /** Test files (globs) the part consists of. */
  files: string[];
}

export const onCi = (): boolean => !['', '0', 'false'].includes(process.env.CI ?? '');

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && fs.existsSync(path.join(dir, command)));
}

/** Browser suites: files named webkit*.e2e.test.ts run in WebKit, every other e2e file in Chromium. */
export const WEBKIT_E2E = 'test/e2e/**/webkit*.e2e.test.ts';
export const CHROMIUM_E2E = 'test/e2e/**/*.e2e.test.ts';

export function missingBrowsers(): MissingPart[] {
  const missing: MissingPart[] = [];
  if (!fs.existsSync(CHROMIUM)) {
    missing.push({ part: 'the Chromium end-to-end suites', reason: `no Chromium at ${CHROMIUM} (CHROMIUM_PATH)`, install: 'sudo apt-get install -y chromium', files: [CHROMIUM_E2E] });
  }
  const webkitMissing = [
    ...(onPath('WebKitWebDriver') ? [] : ['WebKitWebDriver']),
    ...(onPath('xvfb-run') ? [] : ['xvfb-run']),
    ...(fs.existsSync(MINIBROWSER) ? [] : [`MiniBrowser at ${MINIBROWSER} (MINIBROWSER_PATH)`]),
  ];
  if (webkitMissing.length > 0) {
    missing.push({ part: 'the WebKit end-to-end suite', reason: `no ${webkitMissing.join(', no ')}`, install: 'sudo apt-get install -y webkit2gtk-driver xvfb', files: [WEBKIT_E2E] });
  }
  return missing;
}

export async function missingPostgres(): Promise<MissingPart | null> {
  // Loaded only when asked: vite.config.ts imports this file for `vite build` too.
  const { postgresUnavailableReason } = await import('./testDatabase.ts');
  const reason = await postgresUnavailableReason();
  if (reason === null) return null;
  return {
    part: 'the PostgreSQL run (integration suites and kill -9 durability on PostgreSQL)',
    reason,
    install: 'sudo bash .ci/postgres (installs Debian\'s postgresql if needed, starts it, lets user postgres in from 127.0.0.1 and creates database test), or set TEST_PG_URL to a database you may create schemas in',
    files: [],
  };
}

/** The one line printed for a missing part: as a skip outside CI, as the failure on CI. */
export function describeMissing({ part, reason, install }: MissingPart): string {
  return `${onCi() ? 'MISSING (CI=true makes every part mandatory)' : 'SKIPPED'}: ${part}, because ${reason}. Install: ${install}`;
}
