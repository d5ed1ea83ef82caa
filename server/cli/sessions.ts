import { systemClock } from '../clock.ts';
import { revokeTenantSessions, revokeUserSessions } from '../db/sessions.ts';
import { findTenantByIssuer } from '../db/tenants.ts';
import { CliInputError, parseCliArgs, runCli } from './runCli.ts';

const USAGE = `Usage: npm run sessions -- revoke (--user UUID | --issuer ISS)

  revoke --user UUID    End every session of one user (the opaque UUID shown by GET /api/me).
  revoke --issuer ISS   End every session of a tenant.

Revocation takes effect on the next API call, on every server node.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const { positionals, values } = parseCliArgs('sessions', {
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { user: { type: 'string' }, issuer: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});

if (values.help || positionals.length === 0) {
  console.log(USAGE);
} else {
  await runCli('sessions', async (db) => {
    if (positionals[0] !== 'revoke') throw new CliInputError(`unknown command "${positionals[0]}"\n\n${USAGE}`);
    const now = systemClock.now();
    if (values.user !== undefined && values.issuer === undefined) {
      if (!UUID.test(values.user)) throw new CliInputError('--user takes the user UUID (e.g. from GET /api/me), not the host user id');
      console.log(`Revoked ${await revokeUserSessions(db, values.user.toLowerCase(), now)} session(s) of user ${values.user}.`);
    } else if (values.issuer !== undefined && values.user === undefined) {
      const tenant = await findTenantByIssuer(db, values.issuer);
      if (!tenant) throw new CliInputError(`no tenant with issuer "${values.issuer}"`);
      console.log(`Revoked ${await revokeTenantSessions(db, tenant.id, now)} session(s) of ${tenant.issuer}.`);
    } else {
      throw new CliInputError(`give exactly one of --user UUID or --issuer ISS\n\n${USAGE}`);
    }
  });
}
