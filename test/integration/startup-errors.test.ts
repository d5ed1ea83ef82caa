import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runServerUntilExit } from '../helpers/childServer.ts';
import { TEST_DATABASE } from '../helpers/testDatabase.ts';

// What an operator sees when the deployment itself is wrong: one line that says
// what to change, exit code 1, no stack trace. None of it depends on the
// suite's database, so it runs once, in the sqlite project.

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-startup-'));
  // The folder must be reachable by the unprivileged user some tests run as.
  fs.chmodSync(dir, 0o755);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sqlite = (file: string) => ({ DATABASE_URL: `sqlite:${file}`, HARNESS_PORT: 'off' });

/**
 * What the person at the terminal reads (stderr) as lines, whether any output
 * looks like a stack frame, and the reason the structured log gives (stdout).
 */
function linesOf({ stderr, output }: { stderr: string; output: string }): { lines: string[]; stack: boolean; logged: unknown } {
  const lines = stderr.trim().split('\n');
  const failure = output.split('\n').find((line) => line.includes('"startup_failed"'));
  return { lines, stack: output.split('\n').some((line) => /^\s+at /.test(line)), logged: failure ? (JSON.parse(failure) as { reason: unknown }).reason : null };
}

async function occupied<T>(run: (port: number) => Promise<T>): Promise<T> {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    return await run(port);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
}

describe.skipIf(TEST_DATABASE === 'pg')('a server that cannot start says why in one line', () => {
  it('refuses production without PUBLIC_URL instead of serving http://localhost', async () => {
    const result = await runServerUntilExit({ ...sqlite(path.join(dir, 'prod.sqlite')), NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(await freePort()), MIGRATE_ON_START: 'true' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('PUBLIC_URL is required in production');
    expect(result.output).not.toContain('widget server: http://localhost');
    expect(fs.existsSync(path.join(dir, 'prod.sqlite'))).toBe(false);
  });

  it('names the port in use and PORT', async () => {
    const result = await occupied((port) => runServerUntilExit({ ...sqlite(path.join(dir, 'port.sqlite')), PORT: String(port) }));
    const { lines, stack } = linesOf(result);
    expect(result.code).toBe(1);
    expect(stack).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/port \d+ on 127\.0\.0\.1 is already in use \(EADDRINUSE\).*set PORT to a free port/)]);
    expect(linesOf(result).logged).toMatch(/is already in use \(EADDRINUSE\)/);
  });

  it('names the harness port in use and HARNESS_PORT', async () => {
    const result = await occupied(async (port) => runServerUntilExit({ DATABASE_URL: `sqlite:${path.join(dir, 'harness.sqlite')}`, PORT: String(await freePort()), HARNESS_PORT: String(port) }));
    expect(result.code).toBe(1);
    expect(linesOf(result).stack).toBe(false);
    expect(result.output).toMatch(/port \d+ on 127\.0\.0\.1 is already in use \(EADDRINUSE\).*set HARNESS_PORT to a free port/);
  });

  it('says which path is a file when a SQLite folder would have to be under it', async () => {
    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, 'not a folder');
    const result = await runServerUntilExit({ ...sqlite(path.join(file, 'data', 'widget.sqlite')), PORT: String(await freePort()) });
    const { lines, stack } = linesOf(result);
    expect(result.code).toBe(1);
    expect(stack).toBe(false);
    expect(lines).toEqual([expect.stringContaining(`${file} is a file, not a folder`)]);
    expect(result.output).not.toMatch(/EEXIST|ENOTDIR/);
  });

  it('says the database path is a folder', async () => {
    const folder = path.join(dir, 'a-folder.sqlite');
    fs.mkdirSync(folder);
    const result = await runServerUntilExit({ ...sqlite(folder), PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(linesOf(result).lines).toEqual([expect.stringContaining(`${folder} is a folder, not a SQLite database file`)]);
  });

  it('says which folder this user cannot write, instead of "cannot reach the database"', async () => {
    const readOnly = path.join(dir, 'read-only');
    fs.mkdirSync(readOnly, { mode: 0o555 });
    fs.chmodSync(readOnly, 0o555);
    // root may write anywhere: run the server as an unprivileged user, as a deployment would.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = await runServerUntilExit({ ...sqlite(path.join(readOnly, 'widget.sqlite')), PORT: String(await freePort()) }, undefined, asUser);
    const { lines, stack } = linesOf(result);
    expect(result.code).toBe(1);
    expect(stack).toBe(false);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`its folder ${readOnly} is not writable by this user \\(uid \\d+\\)`))]);
    expect(result.output).not.toContain('cannot reach the database');
  });
});
