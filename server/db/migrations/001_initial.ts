import type { Knex } from 'knex';

// Timestamps are epoch milliseconds in bigint columns: identical on SQLite and
// PostgreSQL, no time-zone conversions, cheap to compare.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary();
    t.string('issuer', 255).notNullable().unique();
    t.text('origins').notNullable(); // JSON array of origins
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('tenant_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('kid', 255).nullable();
    t.string('alg', 16).notNullable();
    t.string('kind', 16).notNullable(); // secret | pem | jwks
    t.text('material').notNullable(); // base64url secret, PEM, or JWKS URL
    t.bigInteger('created_at').notNullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('external_id', 255).notNullable();
    t.string('display_name', 255).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['tenant_id', 'external_id']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('ctx', 255).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['user_id']);
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('launch_jtis', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('jti', 255).notNullable();
    t.bigInteger('expires_at').notNullable();
    t.primary(['tenant_id', 'jti']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('signing_keys', (t) => {
    t.string('kid', 64).primary();
    t.string('alg', 16).notNullable();
    t.text('secret').notNullable(); // base64url
    t.bigInteger('created_at').notNullable();
    t.bigInteger('retired_at').nullable(); // stops signing; verifies until its tokens expire
  });

  await knex.schema.createTable('notes', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('ctx', 255).notNullable();
    t.uuid('author_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('body').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['tenant_id', 'ctx', 'created_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['notes', 'signing_keys', 'launch_jtis', 'sessions', 'users', 'tenant_keys', 'tenants']) {
    await knex.schema.dropTableIfExists(table);
  }
}
