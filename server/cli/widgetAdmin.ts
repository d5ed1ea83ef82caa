import { pathToFileURL } from 'node:url';
import { APP_VERSION } from '../version.ts';
import { keysCommand } from './keys.ts';
import { ltiCommand } from './lti.ts';
import { migrateCommand } from './migrate.ts';
import { failureMessage, processIo, type CliIo, type Command } from './runCli.ts';
import { secretsCommand } from './secrets.ts';
import { sessionsCommand } from './sessions.ts';
import { tenantCommand } from './tenant.ts';

// The one entry point of the admin commands: `npm run tenant -- ...` and
// `npx widget-admin tenant ...` are `widgetAdmin(['tenant', ...])`, and so on
// for sessions, keys, secrets, migrate and lti (bin/widget-admin.js starts it).

const COMMANDS: Record<string, Command> = { tenant: tenantCommand, sessions: sessionsCommand, keys: keysCommand, secrets: secretsCommand, migrate: migrateCommand, lti: ltiCommand };

const USAGE = `Usage: widget-admin <${Object.keys(COMMANDS).join('|')}> [options]   (--help after a command for its options; --version)`;

/** Runs one admin command; resolves with the exit code. */
export async function widgetAdmin(argv: string[], io: CliIo): Promise<number> {
  // Anywhere before a "--", so `npm run tenant -- --version` answers too.
  const end = argv.indexOf('--');
  if ((end === -1 ? argv : argv.slice(0, end)).includes('--version')) {
    io.out(APP_VERSION);
    return 0;
  }
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    io.err(name === undefined ? USAGE : `widget-admin: unknown command "${name}"\n${USAGE}`);
    return name === undefined ? 0 : 1;
  }
  try {
    return await command(args, io);
  } catch (err) {
    io.err(failureMessage(name!, err));
    return 1;
  }
}

/** The command line of this process, on its stdin, stdout and stderr; sets the exit code. */
export async function runWidgetAdmin(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await widgetAdmin(argv, processIo);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runWidgetAdmin();
