import type { Knex } from 'knex';

// Issue 16: conflict-safe edits and live updates.
// - notes.version: the version an edit or delete was based on (If-Match) is
//   compared with this, so a stale editor cannot silently overwrite a newer edit.
// - note_threads.seq: one counter per thread (tenant + context), bumped in the
//   same transaction as each change. On PostgreSQL the bump takes the thread
//   row's lock until commit, so a thread's changes commit in sequence order and
//   a stream that has seen seq N can never later meet a change below N.
// - note_events: what changed at each seq, so a stream that reconnects with
//   Last-Event-ID resumes exactly after the last change it delivered.
// - users.picture_url: the avatar the host sent with the user's latest launch
//   (claim `picture`), shown beside their notes to everyone in the thread.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('picture_url').nullable();
  });
  await knex.schema.alterTable('notes', (t) => {
    t.integer('version').notNullable().defaultTo(1);
  });
  await knex.schema.createTable('note_threads', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('ctx', 255).notNullable();
    t.bigInteger('seq').notNullable();
    t.primary(['tenant_id', 'ctx']);
  });
  await knex.schema.createTable('note_events', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('ctx', 255).notNullable();
    t.bigInteger('seq').notNullable();
    // No foreign key: the event of a deletion outlives its note.
    t.uuid('note_id').notNullable();
    t.string('kind', 16).notNullable(); // created | updated | deleted
    t.bigInteger('created_at').notNullable();
    t.primary(['tenant_id', 'ctx', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('note_events');
  await knex.schema.dropTableIfExists('note_threads');
  await knex.schema.alterTable('notes', (t) => t.dropColumn('version'));
  await knex.schema.alterTable('users', (t) => t.dropColumn('picture_url'));
}
