import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/assets/serverBuild.ts';
import { loadConfig } from '../../server/config.ts';
import { createDb, migrateLatest, pendingMigrations } from '../../server/db/connect.ts';
import { migrationSource } from '../../server/db/migrations/index.ts';
import { PROJECT_ROOT } from '../../server/projectPaths.ts';
import { APP_VERSION } from '../../server/version.ts';
import { serverTestDatabase, startServer } from '../helpers/childServer.ts';
import { createTestDatabase, secretBoxFor, TEST_DATABASE } from '../helpers/testDatabase.ts';

// The commands exactly as docs/protocol.md section 6 and the README give them,
// through the real npm: what npm itself adds (its banner, its .npmrc settings,
// NODE_OPTIONS) is part of what an operator or a script gets.
const exec = promisify(execFile);

const database = serverTestDatabase();

/** Only what a shell would have, plus the database: no vitest variables, no NODE_OPTIONS of ours. */
const shellEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...database().env, ...extra });

async function npm(args: string[], env = shellEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('npm', args, { cwd: PROJECT_ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

// What npm adds is the same whatever the database (tenant-cli.test.ts runs the
// commands themselves on both, in process): once, in the sqlite project.
describe.skipIf(TEST_DATABASE === 'pg')('npm run tenant', () => {
  it('add --json prints exactly one JSON object on stdout, npm banner included', async () => {
    const { code, stdout, stderr } = await npm(['run', 'tenant', '--', 'add', '--issuer', 'npm.example', '--origin', 'https://npm.example', '--json']);
    expect(code).toBe(0);
    const created = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(created).sort()).toEqual(['id', 'issuer', 'origins', 'secret']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/tenant: using (SQLite file|PostgreSQL at)/);
  });

  it('remove without a terminal deletes nothing unless --yes', async () => {
    const refused = await npm(['run', 'tenant', '--', 'remove', '--issuer', 'npm.example']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('there is no terminal to ask on, so nothing was deleted: add --yes to confirm');
    expect((await npm(['run', 'tenant', '--', 'list', '--json'])).stdout).toContain('"issuer":"npm.example"');

    const confirmed = await npm(['run', 'tenant', '--', 'remove', '--issuer', 'npm.example', '--yes']);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toBe('Removed tenant npm.example.\n');
  });

  it('--version prints the release alone', async () => {
    expect((await npm(['run', 'tenant', '--', '--version'])).stdout).toBe(`${APP_VERSION}\n`);
    expect((await npm(['exec', '--', 'widget-admin', '--version'])).stdout).toBe(`${APP_VERSION}\n`);
  });
});

describe('migrating', () => {
  it('npx knex migrate:latest loads knexfile.js without a loader in NODE_OPTIONS', async () => {
    const fresh = await createTestDatabase();
    try {
      const { stdout } = await exec('npx', ['knex', 'migrate:latest'], { cwd: PROJECT_ROOT, env: { ...shellEnv(), ...fresh.env } });
      expect(stdout).toContain(`Batch 1 run: ${(await migrationSource().getMigrations([])).length} migrations`);
      const db = createDb(loadConfig(fresh.env).database);
      try {
        expect(await pendingMigrations(db)).toEqual([]);
      } finally {
        await db.destroy();
      }
    } finally {
      await fresh.drop();
    }
  });
});

// These build dist/server (the files `npm run start:prod` runs): once, in the sqlite project.
describe.skipIf(TEST_DATABASE === 'pg')('npm run start:prod', () => {
  beforeAll(async () => {
    await buildServer();
    const db = createDb(loadConfig(database().env).database);
    await migrateLatest(db, secretBoxFor(database().env));
    await db.destroy();
  });

  it('runs the bundle with plain node: no TypeScript loader reaches the server through npm', async () => {
    const server = await startServer(shellEnv({ NODE_ENV: 'production', PUBLIC_URL: 'https://widget.example', HOST: '127.0.0.1' }), { npmScript: 'start:prod' });
    const serverPid = descendantsOf(server.pid).find((pid) => readProc(pid, 'cmdline').includes('bin/widget-server.js'));
    expect(serverPid).toBeDefined();
    const environ = readProc(serverPid!, 'environ').split('\0');
    expect(environ.filter((entry) => entry.startsWith('NODE_OPTIONS=') && entry.includes('tsx'))).toEqual([]);
    expect(environ).toContain('NODE_ENV=production');
    await server.stop();
  });

  it('before a build says what to do in one line', async () => {
    // The launcher alone, where no build sits beside it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-unbuilt-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.copyFileSync(path.join(PROJECT_ROOT, 'bin/widget-server.js'), path.join(dir, 'bin/widget-server.js'));
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
      const failed = await exec(process.execPath, [path.join(dir, 'bin/widget-server.js')]).catch((err: { code: number; stderr: string }) => err);
      expect(failed).toMatchObject({ code: 1 });
      expect((failed as { stderr: string }).stderr.trim().split('\n')).toEqual([expect.stringContaining('run `npm run build` first')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The image and `npm run start:prod` are two spellings of one command: the memory flags the
// benchmark measures (docs/benchmark.md, "Issue 17: peak RSS") must be the ones deployed.
describe.skipIf(TEST_DATABASE === 'pg')('the production image', () => {
  it('starts the server with exactly the node flags and script of npm run start:prod', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8'));
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(pkg.scripts['start:prod']!.split(/\s+/));
  });
});

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** Every process below `root`, from /proc (npm starts a shell, which starts node). */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const stat = readProc(Number(entry), 'stat');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parentOf.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}
