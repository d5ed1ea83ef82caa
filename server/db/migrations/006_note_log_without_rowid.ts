import type { Knex } from 'knex';

// Every note change writes a row of note_threads and of note_events (003). On
// SQLite a table with a primary key other than an integer is two b-trees: the
// rows by rowid, and the key's index pointing at them; each change wrote a page
// of both. WITHOUT ROWID keeps the rows in the key's b-tree itself: a note create
// writes 6 pages to the WAL instead of 7, and a thread's seq is found in one
// b-tree instead of two (docs/benchmark.md, issue 17 round 3). Both tables have
// small rows, the case SQLite recommends it for; notes, whose bodies reach
// 4,000 characters, stay as they are. PostgreSQL stores every table apart from
// its indexes whatever it is told: nothing to do there.

const TABLES = ['note_threads', 'note_events'];

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  for (const table of TABLES) await rebuildSqliteTable(knex, table, { withoutRowid: true });
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  for (const table of TABLES) await rebuildSqliteTable(knex, table, { withoutRowid: false });
}

const WITHOUT_ROWID = /\s+without\s+rowid\s*$/i;

/**
 * SQLite cannot change a table's storage in place: a copy under the same
 * definition (read back from sqlite_master, so not a column drifts), the rows
 * moved, the old table dropped, the copy renamed, its indexes made again.
 * Nothing references these tables, so no foreign key is checked on the drop.
 */
async function rebuildSqliteTable(knex: Knex, table: string, { withoutRowid }: { withoutRowid: boolean }): Promise<void> {
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
