import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/freePort.ts';
import { waitUntilAnswers } from '../../support/serverProcess.ts';
import { TEST_SERVER_BUNDLE } from '../helpers/testServerBundle.ts';
import { TEST_DATABASE } from '../helpers/testDatabase.ts';

// The log collector reading the server's stdout goes away (EPIPE on the next line).
// Node's default is an uncaught 'error' event: a crash mid-request. The server
// stops instead, on purpose and saying why, so no request is served unlogged.
describe.skipIf(TEST_DATABASE === 'pg')('when its stdout closes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-stdout-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops with exit code 1 and says why on stderr, instead of crashing', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [TEST_SERVER_BUNDLE], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, PORT: String(port), HARNESS_PORT: 'off', LTI_HARNESS_PORT: 'off', DATABASE_URL: `sqlite:${path.join(dir, 'w.sqlite')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitUntilAnswers(`${url}/healthz`, { name: 'widget server', exitStatus: () => child.exitCode === null ? null : { code: child.exitCode, signal: null }, output: () => stderr });
      // The read end of the pipe closes; the next log line meets EPIPE: a line still queued from the
      // readiness probe, or this request's. Either way the request is answered or refused whole.
      child.stdout.destroy();
      const answer = await fetch(`${url}/healthz`).catch(() => null);
      if (answer) expect(answer.status).toBe(200);
      expect(await exited).toBe(1);
      expect(stderr).toContain("log output (stdout) failed (EPIPE): stopping, so that no request is served without its log lines");
      expect(stderr).not.toContain("Unhandled 'error' event");
    } finally {
      child.kill('SIGKILL');
    }
  });
});
