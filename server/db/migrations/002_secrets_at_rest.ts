import type { Knex } from 'knex';
import type { SecretBox } from '../../secrets/secretBox.ts';
import { KEK_ID, openedValue, SEALED_COLUMNS, sealAllSecrets } from '../sealedSecrets.ts';

// Issue 19: tenant HS256 secrets and our session-signing keys were stored in
// clear. This seals them (db/sealedSecrets.ts) and then makes sure the old
// plaintext is gone from the database files too, not just from the rows:
// SQLite rewrites the file (VACUUM) and empties its WAL, PostgreSQL rewrites
// both tables (VACUUM FULL). Neither can run inside a transaction, so this
// migration opens its own for the data and runs the cleanup after it commits.

const isPostgres = (knex: Knex) => knex.client.config.client === 'pg';

async function dropOldCopies(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw(`vacuum full ${SEALED_COLUMNS.map((c) => c.table).join(', ')}`);
    return;
  }
  await knex.raw('vacuum');
  await knex.raw('pragma wal_checkpoint(truncate)');
}

/** `secrets` seals the values; the server and `npm run migrate` pass the configured one. */
export function secretsAtRest(secrets: SecretBox | undefined): Knex.Migration & { config: { transaction: boolean } } {
  const box = (): SecretBox => {
    if (!secrets) throw new Error('migration 002_secrets_at_rest seals stored secrets with SECRETS_KEY: run it with `npm run migrate` or by starting the server');
    return secrets;
  };
  return {
    config: { transaction: false },
    async up(knex) {
      const sealer = box();
      await knex.transaction(async (trx) => {
        for (const { table } of SEALED_COLUMNS) {
          await trx.schema.alterTable(table, (t) => t.string(KEK_ID, 32).nullable());
        }
        await sealAllSecrets(trx, sealer);
      });
      await dropOldCopies(knex);
    },
    async down(knex) {
      const opener = box();
      await knex.transaction(async (trx) => {
        for (const column of SEALED_COLUMNS) {
          const rows: Array<Record<string, unknown>> = await trx(column.table).whereNotNull(KEK_ID).select(column.idColumn, column.valueColumn, KEK_ID);
          for (const row of rows) {
            await trx(column.table).where(column.idColumn, String(row[column.idColumn])).update({ [column.valueColumn]: openedValue(opener, column, row) });
          }
          await trx.schema.alterTable(column.table, (t) => t.dropColumn(KEK_ID));
        }
      });
    },
  };
}
