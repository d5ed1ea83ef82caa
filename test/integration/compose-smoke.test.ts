import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/projectPaths.ts';
import { TEST_DATABASE } from '../helpers/testDatabase.ts';

const exec = promisify(execFile);

// The compose stack itself is checked by `npm run compose:smoke` where Docker
// runs (it builds images: minutes, not a unit of this suite). Here: that the
// script says it was skipped, and why, where it cannot run, instead of failing.
describe.skipIf(TEST_DATABASE === 'pg')('npm run compose:smoke', () => {
  it('says it is skipped and why where no Docker engine answers', async (context) => {
    const engine = await exec('docker', ['info']).then(() => true, () => false);
    const compose = await exec('docker', ['compose', 'version']).then(() => true, () => false);
    if (engine && compose) context.skip();
    const { stdout } = await exec('bash', ['deploy/compose-smoke.sh'], { cwd: PROJECT_ROOT });
    expect(stdout.trim().split('\n')).toEqual([expect.stringMatching(/^compose smoke test SKIPPED: (there is no docker command|docker has no compose plugin|no Docker engine answers)/)]);
  });
});
