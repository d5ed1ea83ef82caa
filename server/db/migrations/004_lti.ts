import type { Knex } from 'knex';

// Issue 18: LTI 1.3 platforms. A platform is a tenant (users, sessions and
// notes hang off tenants as for any host) with one registration row here:
// who it is (issuer and the client_id it gave us), where its browser login
// and keys are, and which deployments may launch. lti_states holds the OIDC
// login's state and nonce on the server, single use and short-lived, since
// no cookie can carry them (docs/lti.md).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lti_platforms', (t) => {
    t.uuid('tenant_id').primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('issuer', 255).notNullable();
    t.string('client_id', 255).notNullable();
    t.text('auth_url').notNullable();
    t.text('jwks_url').notNullable();
    t.text('deployment_ids').notNullable(); // JSON array of strings
    t.bigInteger('created_at').notNullable();
    // Canvas Cloud has one issuer for every school: the client_id tells registrations apart.
    t.unique(['issuer', 'client_id']);
  });

  await knex.schema.createTable('lti_states', (t) => {
    // SHA-256 of the state (hex): a database dump does not hand out live states.
    t.string('state_hash', 64).primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('nonce', 64).notNullable();
    // SHA-256 of the secret kept in the platform's storage (platform storage path only).
    t.string('browser_hash', 64).nullable();
    // The platform frame that holds it (lti_storage_target), for the launch page to ask.
    t.string('storage_target', 255).nullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at').nullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('lti_states');
  await knex.schema.dropTableIfExists('lti_platforms');
}
