import { revokeSessionsOfHostUser, revokeSessionsOfTenant, revokeSessionsOfUser } from '../admin/sessions.ts';
import { systemClock } from '../clock.ts';
import { CliInputError, parseCliArgs, subcommandOf, withDatabase, type Command } from './runCli.ts';

const USAGE = `Usage: npm run sessions -- revoke (--user UUID | --issuer ISS [--host-user SUB])

  revoke --user UUID                   End every session of one user (the opaque UUID shown by GET /api/me).
  revoke --issuer ISS --host-user SUB  End every session of one host user (the "sub" of that host's launch tokens).
  revoke --issuer ISS                  End every session of a tenant.

Revocation takes effect on the next API call, on every server node.`;

export const sessionsCommand: Command = async (args, io) => {
  const { positionals, values } = parseCliArgs({
    args,
    allowPositionals: true,
    options: { user: { type: 'string' }, issuer: { type: 'string' }, 'host-user': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = subcommandOf(positionals[0], values.help, ['revoke'] as const, USAGE, io);
  if (command === null) return 0;
  const { user, issuer, 'host-user': hostUser } = values;
  if ((user === undefined) === (issuer === undefined)) throw new CliInputError(`give exactly one of --user UUID or --issuer ISS\n\n${USAGE}`);
  if (hostUser !== undefined && issuer === undefined) throw new CliInputError(`--host-user needs the --issuer it belongs to\n\n${USAGE}`);
  return withDatabase('sessions', io, async (db) => {
    const now = systemClock.now();
    if (user !== undefined) {
      io.out(`Revoked ${await revokeSessionsOfUser(db, user, now)} session(s) of user ${user}.`);
    } else if (hostUser !== undefined) {
      // The host user id is the operator's own input, echoed to the operator's terminal, never to a log.
      const result = await revokeSessionsOfHostUser(db, issuer!, hostUser, now);
      io.out(`Revoked ${result.revoked} session(s) of host user ${JSON.stringify(hostUser)} of ${result.issuer}.`);
    } else {
      const result = await revokeSessionsOfTenant(db, issuer!, now);
      io.out(`Revoked ${result.revoked} session(s) of ${result.issuer}.`);
    }
  });
};
