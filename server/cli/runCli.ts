import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb, migrateLatest, type Db } from '../db/connect.ts';

/** A mistake in what the operator typed: printed as one line, exit code 1, no stack. */
export class CliInputError extends Error {}

/** Opens the configured database (migrated), runs `body`, closes it, and turns failures into messages. */
export async function runCli(name: string, body: (db: Db) => Promise<void>): Promise<void> {
  let db: Db | null = null;
  try {
    db = createDb(loadConfig().database);
    await migrateLatest(db);
    await body(db);
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof CliInputError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`${name}: ${(err as Error).message}`);
    else console.error(`${name}: failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await db?.destroy();
  }
}

/** parseArgs, but a mistyped option is a one-line message and exit code 1, not a stack trace. */
export function parseCliArgs<T extends ParseArgsConfig>(name: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
