import readline from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createDb, type Db } from '../db/connect.ts';
import { describeDatabase, prepareDatabase } from '../db/prepareDatabase.ts';
import { AdminInputError } from '../admin/adminInput.ts';
import type { SecretBox } from '../secrets/secretBox.ts';
import { openSecretBox } from '../secrets/secretsKey.ts';

// What every admin command shares: where it writes, how it opens the database,
// and how a failure becomes one line and an exit code. Commands are functions
// of (args, io), so tests run them in process and widgetAdmin.ts runs them for real.

export interface CliIo {
  env: Record<string, string | undefined>;
  /** The command's result (one JSON document with --json): stdout. */
  out(text: string): void;
  /** Everything else (which database, errors): stderr, so stdout stays parseable. */
  err(text: string): void;
  /** Asks the operator and resolves with the answer; absent without a terminal (a script, CI), where nobody could answer. */
  ask?(question: string): Promise<string>;
}

async function askOnTerminal(question: string): Promise<string> {
  // The question goes to stderr: stdout is the command's result.
  const terminal = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

export const processIo: CliIo = {
  env: process.env,
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  ...(process.stdin.isTTY && process.stderr.isTTY ? { ask: askOnTerminal } : {}),
};

/** A mistake in what the operator typed: printed as one line, exit code 1, no stack. */
export class CliInputError extends Error {}

export type Command = (args: string[], io: CliIo) => Promise<number>;

/** Nothing is deleted unless the operator, told what goes, says yes (or passed --yes, and this is not called). */
export async function confirmDeletion(io: CliIo, what: string): Promise<void> {
  if (!io.ask) throw new CliInputError(`this deletes ${what}; there is no terminal to ask on, so nothing was deleted: add --yes to confirm`);
  const answer = (await io.ask(`Delete ${what}? This cannot be undone. [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new CliInputError('nothing deleted');
}

/**
 * The subcommand the operator asked for, one of `commands`; null when they asked
 * for the usage (--help, or no subcommand), which is then printed.
 */
export function subcommandOf<C extends string>(command: string | undefined, help: boolean | undefined, commands: readonly C[], usage: string, io: CliIo): C | null {
  if (help || !command) {
    io.out(usage);
    return null;
  }
  if (!(commands as readonly string[]).includes(command)) throw new CliInputError(`unknown command "${command}"\n\n${usage}`);
  return command as C;
}

/**
 * Opens the configured database, prepared by the same rule as the server at
 * start (migrated outside production, refused with pending migrations in
 * production: `npm run migrate` first), runs `body` with it and the box for
 * its stored secrets, closes it.
 * Returns the exit code; every failure is a message on stderr.
 */
export async function withDatabase(
  name: string,
  io: CliIo,
  body: (db: Db, config: Config, secrets: SecretBox) => Promise<void>,
  prepare: { migrate?: boolean } = {},
): Promise<number> {
  let db: Db | null = null;
  try {
    const config = loadConfig(io.env, { purpose: 'admin' });
    io.err(`${name}: using ${describeDatabase(config.database)}`);
    const { box: secrets } = openSecretBox(config.secrets);
    db = createDb(config.database);
    await prepareDatabase(db, { database: config.database, migrateOnStart: prepare.migrate ?? config.migrateOnStart, secrets });
    await body(db, config, secrets);
    return 0;
  } catch (err) {
    io.err(failureMessage(name, err));
    return 1;
  } finally {
    await db?.destroy();
  }
}

export function failureMessage(name: string, err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof CliInputError || err instanceof AdminInputError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    return `${name}: ${(err as Error).message}`;
  }
  return `${name}: failed: ${err instanceof Error ? err.message : String(err)}`;
}

/** parseArgs, but a mistyped option is a CliInputError (one line, exit code 1), not a stack trace. */
export function parseCliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new CliInputError(err instanceof Error ? err.message : String(err));
  }
}
