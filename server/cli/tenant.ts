import { parseArgs } from 'node:util';
import { AdminInputError, parseIssuer, parseOrigin, registerHs256Tenant } from '../admin/tenants.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb, migrateLatest, type Db } from '../db/connect.ts';
import { revokeTenantSessions } from '../db/sessions.ts';
import { listTenantKeys } from '../db/tenantKeys.ts';
import { deleteTenant, findTenantByIssuer, listTenants, setTenantOrigins } from '../db/tenants.ts';

const USAGE = `Usage: npm run tenant -- <command> [options]

  add --issuer ISS --origin ORIGIN [--origin ...] [--kid KID] [--json]
        Register a host platform with a new HS256 shared secret (printed once).
  list [--json]                        Show tenants, their origins and keys (never secrets).
  set-origins --issuer ISS --origin ORIGIN [--origin ...]
                                       Replace the origins allowed to frame the widget.
  revoke-sessions --issuer ISS         End every session of the tenant at once.
  remove --issuer ISS                  Delete the tenant with its users, sessions and notes.

Uses the same DATABASE_URL as the server.`;

type Options = { issuer?: string; origin?: string[]; kid?: string; json?: boolean; help?: boolean };

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      issuer: { type: 'string' },
      origin: { type: 'string', multiple: true },
      kid: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const db = createDb(loadConfig().database);
  try {
    await migrateLatest(db);
    await dispatch(db, command, values as Options);
  } finally {
    await db.destroy();
  }
}

function requireIssuer(values: Options): string {
  if (!values.issuer) throw new AdminInputError('--issuer is required');
  return parseIssuer(values.issuer);
}

async function requireTenant(db: Db, values: Options) {
  const issuer = requireIssuer(values);
  const tenant = await findTenantByIssuer(db, issuer);
  if (!tenant) throw new AdminInputError(`no tenant with issuer "${issuer}" (see \`npm run tenant -- list\`)`);
  return tenant;
}

async function dispatch(db: Db, command: string, values: Options): Promise<void> {
  const now = systemClock.now();
  switch (command) {
    case 'add': {
      const tenant = await registerHs256Tenant(db, { issuer: requireIssuer(values), origins: values.origin ?? [], now, kid: values.kid ?? null });
      if (values.json) {
        console.log(JSON.stringify({ id: tenant.id, issuer: tenant.issuer, origins: tenant.origins, secret: tenant.secret }));
      } else {
        console.log(`Registered tenant ${tenant.issuer} (${tenant.id})`);
        console.log(`Origins: ${tenant.origins.join(' ')}`);
        console.log(`HS256 shared secret (shown once; sign with this string as the key):\n${tenant.secret}`);
      }
      return;
    }
    case 'list': {
      const tenants = await listTenants(db);
      const rows = [];
      for (const t of tenants) {
        const keys = (await listTenantKeys(db, t.id)).map((k) => ({ id: k.id, kid: k.kid, alg: k.alg, kind: k.kind }));
        rows.push({ id: t.id, issuer: t.issuer, origins: t.origins, keys });
      }
      if (values.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log('No tenants registered.');
      else for (const r of rows) console.log(`${r.issuer}  ${r.id}\n  origins: ${r.origins.join(' ')}\n  keys: ${r.keys.map((k) => `${k.alg}${k.kid ? ` kid=${k.kid}` : ''} (${k.id})`).join(', ')}`);
      return;
    }
    case 'set-origins': {
      const tenant = await requireTenant(db, values);
      const origins = (values.origin ?? []).map(parseOrigin);
      if (origins.length === 0) throw new AdminInputError('give at least one --origin');
      await setTenantOrigins(db, tenant.id, origins);
      console.log(`Origins of ${tenant.issuer}: ${origins.join(' ')}`);
      return;
    }
    case 'revoke-sessions': {
      const tenant = await requireTenant(db, values);
      const count = await revokeTenantSessions(db, tenant.id, now);
      console.log(`Revoked ${count} session(s) of ${tenant.issuer}.`);
      return;
    }
    case 'remove': {
      const tenant = await requireTenant(db, values);
      await deleteTenant(db, tenant.id);
      console.log(`Removed tenant ${tenant.issuer}.`);
      return;
    }
    default:
      throw new AdminInputError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

try {
  await run(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof AdminInputError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`tenant: ${(err as Error).message}`);
  else console.error(`tenant: failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
