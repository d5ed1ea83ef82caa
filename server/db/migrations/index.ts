import type { Knex } from 'knex';
import type { SecretBox } from '../../secrets/secretBox.ts';
import * as initial from './001_initial.ts';
import { secretsAtRest } from './002_secrets_at_rest.ts';
import * as noteVersions from './003_note_versions.ts';
import * as lti from './004_lti.ts';
import * as noteEventRetention from './005_note_event_retention.ts';
import * as noteLogWithoutRowid from './006_note_log_without_rowid.ts';
import * as launchRowsWithoutRowid from './007_launch_rows_without_rowid.ts';

// Migrations are imported, not discovered on disk, so they run the same from
// tsx, the knex CLI and a bundled build. Migration 002 seals stored secrets,
// so it needs the secrets box; without one it refuses to run (listing
// names, e.g. for pending migrations, needs none).
const migrations = (secrets?: SecretBox): Record<string, Knex.Migration> => ({
  '001_initial': initial,
  '002_secrets_at_rest': secretsAtRest(secrets),
  '003_note_versions': noteVersions,
  '004_lti': lti,
  '005_note_event_retention': noteEventRetention,
  '006_note_log_without_rowid': noteLogWithoutRowid,
  '007_launch_rows_without_rowid': launchRowsWithoutRowid,
});

export function migrationSource(secrets?: SecretBox): Knex.MigrationSource<string> {
  const all = migrations(secrets);
  return {
    getMigrations: async () => Object.keys(all).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => all[name]!,
  };
}
