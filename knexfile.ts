// For the knex CLI (`npx knex migrate:latest`): the same DATABASE_URL, migrations
// and secrets key as the server. `npm run migrate` does the same without the CLI.
import { loadConfig } from './server/config.ts';
import { knexConfig } from './server/db/connect.ts';
import { openSecretBox } from './server/secrets/secretsKey.ts';

const config = loadConfig();
export default knexConfig(config.database, openSecretBox(config.secrets).box);
