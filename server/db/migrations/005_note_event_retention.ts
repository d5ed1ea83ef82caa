import type { Knex } from 'knex';

// note_events are kept only as long as a stream may still resume from them
// (server/main.ts upkeep purges older ones): an index on their age, so the
// purge each minute reads only what it deletes instead of the whole table.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('note_events', (t) => {
    t.index(['created_at'], 'note_events_created_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('note_events', (t) => {
    t.dropIndex(['created_at'], 'note_events_created_at');
  });
}
