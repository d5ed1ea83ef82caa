import { withDatabase, type Command } from './runCli.ts';

// `npm run migrate`: the same migrations the server runs at start (outside
// production); in production, the one step per release before nodes start.
export const migrateCommand: Command = async (_args, io) =>
  withDatabase('migrate', io, async () => io.err('migrate: the database is up to date'), { migrate: true });
