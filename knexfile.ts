// For the knex CLI (`npx knex migrate:latest`): the same DATABASE_URL and
// migrations as the server. `npm run migrate` does the same without the CLI.
import { loadConfig } from './server/config.ts';
import { knexConfig } from './server/db/connect.ts';

export default knexConfig(loadConfig(process.env, { purpose: 'admin' }).database);
