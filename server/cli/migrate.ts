import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/connect.ts';
import { describeDatabase, prepareDatabase } from '../db/prepareDatabase.ts';

// `npm run migrate`: the same migrations the server runs at start (outside
// production); in production, the one step per release before nodes start.
let config;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}
const db = createDb(config.database);
try {
  await prepareDatabase(db, { database: config.database, migrateOnStart: true });
  console.error(`database is up to date (${describeDatabase(config.database)})`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  await db.destroy();
}
