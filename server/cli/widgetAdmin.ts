import { pathToFileURL } from 'node:url';
import { keysCommand } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { failureMessage, processIo, type CliIo, type Command } from './runCli.ts';
import { secretsCommand } from './secrets.ts';
import { sessionsCommand } from './sessions.ts';
import { tenantCommand } from './tenant.ts';

// The one entry point of the admin commands: `npm run tenant -- ...` is
// `widgetAdmin.ts tenant ...`, and so on for sessions, keys, secrets and migrate.

const COMMANDS: Record<string, Command> = { tenant: tenantCommand, sessions: sessionsCommand, keys: keysCommand, secrets: secretsCommand, migrate: migrateCommand };

const USAGE = `Usage: widget-admin <${Object.keys(COMMANDS).join('|')}> [options]   (--help after a command for its options)`;

/** Runs one admin command; resolves with the exit code. */
export async function widgetAdmin(argv: string[], io: CliIo): Promise<number> {
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await widgetAdmin(process.argv.slice(2), processIo);
}
