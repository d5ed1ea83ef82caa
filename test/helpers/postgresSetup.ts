import { dropStaleTestSchemas } from './testDatabase.ts';
import { describeMissing, missingPostgres } from './testRequirements.ts';

// globalSetup of the "pg" project. vite.config.ts only leaves that project out
// when PostgreSQL is down outside CI; on CI a missing PostgreSQL fails the run
// with the line that outside CI says it was skipped.
export default async function setup(): Promise<void> {
  const missing = await missingPostgres();
  if (missing) throw new Error(describeMissing(missing));
  await dropStaleTestSchemas();
}
