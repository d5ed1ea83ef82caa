import { ConfigError, loadConfig } from '../config.ts';
import { createDb, migrateLatest } from '../db/connect.ts';

// `npm run migrate`: the same migrations the server runs at start.
try {
  const db = createDb(loadConfig().database);
  await migrateLatest(db);
  await db.destroy();
  console.error('database is up to date');
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
