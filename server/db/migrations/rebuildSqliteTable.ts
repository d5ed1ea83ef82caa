import type { Knex } from 'knex';

const WITHOUT_ROWID = /\s+without\s+rowid\s*$/i;

/**
 * SQLite cannot change a table's storage in place: a copy under the same
 * definition (read back from sqlite_master, so not a column drifts), the rows
 * moved, the old table dropped, the copy renamed, its indexes made again.
 * Only for a table no foreign key references: none is checked on the drop.
 */
export async function rebuildSqliteTable(knex: Knex, table: string, { withoutRowid }: { withoutRowid: boolean }): Promise<void> {
  const rebuilt = `${table}_rebuilt`;
  const [definition] = (await knex('sqlite_master').where({ type: 'table', name: table }).select('sql')) as Array<{ sql: string }>;
  if (!definition) throw new Error(`table ${table} is missing`);
  const indexes = (await knex('sqlite_master').where({ type: 'index', tbl_name: table }).whereNotNull('sql').select('sql')) as Array<{ sql: string }>;
  const head = /^create table\s+[`"]?\w+[`"]?/i;
  if (!head.test(definition.sql)) throw new Error(`unexpected definition of ${table}: ${definition.sql}`);
  const body = definition.sql.replace(head, `create table \`${rebuilt}\``).replace(WITHOUT_ROWID, '');
  await knex.raw(withoutRowid ? `${body} without rowid` : body);
  await knex.raw(`insert into \`${rebuilt}\` select * from \`${table}\``);
  await knex.schema.dropTable(table);
  await knex.raw(`alter table \`${rebuilt}\` rename to \`${table}\``);
  for (const index of indexes) await knex.raw(index.sql);
}

/**
 * A migration that stores `tables` WITHOUT ROWID on SQLite (and back on the way
 * down): for small rows under a primary key other than an integer, whose rowid
 * b-tree and key index each took a page per write. PostgreSQL stores every
 * table apart from its indexes whatever it is told: nothing to do there.
 */
export function withoutRowidMigration(tables: readonly string[]): Knex.Migration {
  const rebuildAll = async (knex: Knex, withoutRowid: boolean) => {
    if (knex.client.config.client === 'pg') return;
    for (const table of tables) await rebuildSqliteTable(knex, table, { withoutRowid });
  };
  return { up: (knex) => rebuildAll(knex, true), down: (knex) => rebuildAll(knex, false) };
}
