import { dropStaleTestSchemas, postgresUnavailableReason } from './testDatabase.ts';

// globalSetup of the "pg" project. vite.config.ts only leaves that project out
// when PostgreSQL is down outside CI; on CI a missing PostgreSQL fails the run.
export default async function setup(): Promise<void> {
  const reason = await postgresUnavailableReason();
  if (reason) {
    throw new Error(`${reason}. CI must prove the suite on PostgreSQL: start it (.ci/run does) or set TEST_PG_URL.`);
  }
  await dropStaleTestSchemas();
}
