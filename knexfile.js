// For the knex CLI (`npx knex migrate:latest`): the same DATABASE_URL, migrations
// and secrets key as the server; `npm run migrate` does the same without the CLI.
// Plain JavaScript so the CLI loads it without a TypeScript loader in
// NODE_OPTIONS (which every process npm starts would inherit): tsx is
// registered here, for this process only, to read the server's sources.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  throw new Error('npx knex reads the TypeScript sources and needs the development dependencies (tsx); with the production build, run `npm run migrate`');
}
register();
const { loadConfig } = await import('./server/config.ts');
const { knexConfig } = await import('./server/db/connect.ts');
const { openSecretBox } = await import('./server/secrets/secretsKey.ts');

// The secrets key too: migration 002 seals the stored secrets with it.
const config = loadConfig(process.env, { purpose: 'admin' });
export default knexConfig(config.database, openSecretBox(config.secrets).box);
