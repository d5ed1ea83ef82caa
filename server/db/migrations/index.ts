import type { Knex } from 'knex';
import * as initial from './001_initial.ts';

// Migrations are imported, not discovered on disk, so they run the same from
// tsx, the knex CLI and a bundled build.
const migrations: Record<string, Knex.Migration> = {
  '001_initial': initial,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};
