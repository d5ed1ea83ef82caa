import fs from 'node:fs';
import { AdminInputError, parseIssuer } from '../admin/adminInput.ts';
import {
  addTenantKey,
  listTenantsWithKeys,
  previewTenantRemoval,
  registerTenant,
  removeTenant,
  removeTenantKey,
  replaceTenantOrigins,
  type KeyInput,
  type KeySummary,
} from '../admin/tenants.ts';
import { systemClock } from '../clock.ts';
import { confirmDeletion, parseCliArgs, subcommandOf, withDatabase, type CliIo, type Command } from './runCli.ts';

const USAGE = `Usage: npm run tenant -- <command> [options]

  add --issuer ISS --origin ORIGIN [--origin ...] [KEY] [--json]
        Register a host platform. Without KEY options it gets a new HS256
        shared secret, printed once.
  add-key --issuer ISS [KEY] [--json]  Add a key beside the current ones (rotation).
  remove-key --issuer ISS (--kid KID | --key-id ID)
                                       Remove a key once the host no longer signs with it.
  list [--json]                        Show tenants, origins and keys (never secrets).
  set-origins --issuer ISS --origin ORIGIN [--origin ...]
                                       Replace the origins allowed to frame the widget.
  remove --issuer ISS [--yes]          Delete the tenant with its users, sessions and notes.
                                       Says how many and asks first; --yes skips the
                                       question (needed without a terminal).

KEY (one of):
  [--kid KID]                          HS256 shared secret generated here (the default).
  --public-key FILE --alg ALG [--kid KID]
                                       A PEM public key; ALG is RS256, ES256 or EdDSA.
  --jwks-url URL --alg ALG             Keys fetched from the host's JWKS (https); the
                                       token's kid picks the key.

To end a tenant's sessions: npm run sessions -- revoke --issuer ISS.
Uses the same DATABASE_URL as the server. See docs/integrating.md.`;

interface Options {
  issuer?: string;
  origin?: string[];
  kid?: string;
  'key-id'?: string;
  'public-key'?: string;
  'jwks-url'?: string;
  alg?: string;
  json?: boolean;
  yes?: boolean;
  help?: boolean;
}

/** Reads the key options (and the key file) before anything is written: a typo should cost nothing. */
function keyInputFrom(values: Options): KeyInput {
  const file = values['public-key'];
  const url = values['jwks-url'];
  if (file !== undefined && url !== undefined) throw new AdminInputError('give either --public-key or --jwks-url, not both');
  if (file !== undefined) {
    if (!values.alg) throw new AdminInputError('--public-key needs --alg RS256, ES256 or EdDSA (the algorithm the host signs with)');
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new AdminInputError(`cannot read the public key file "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return { type: 'pem', alg: values.alg, pem, kid: values.kid ?? null };
  }
  if (url !== undefined) {
    if (!values.alg) throw new AdminInputError('--jwks-url needs --alg RS256, ES256 or EdDSA (the algorithm of the keys in the JWKS)');
    if (values.kid !== undefined) throw new AdminInputError('--kid does not apply to --jwks-url: each key in the JWKS carries its own kid');
    return { type: 'jwks', alg: values.alg, url };
  }
  if (values.alg !== undefined && values.alg !== 'HS256') {
    throw new AdminInputError(`--alg ${values.alg} needs --public-key FILE or --jwks-url URL (HS256 secrets are generated here)`);
  }
  return { type: 'secret', kid: values.kid ?? null };
}

function requireIssuer(values: Options): string {
  if (!values.issuer) throw new AdminInputError('--issuer is required');
  return parseIssuer(values.issuer);
}

const describeKey = (k: KeySummary) =>
  `${k.alg} ${k.kind === 'secret' ? 'shared secret' : k.kind === 'pem' ? `public key ${k.fingerprint}` : `JWKS ${k.url}`}${k.kid ? ` kid=${k.kid}` : ''} (id ${k.id})`;

function printSecret(io: CliIo, secret: string | undefined): void {
  if (secret !== undefined) io.out(`HS256 shared secret (shown once; sign with this string as the key):\n${secret}`);
}

/** Nothing is deleted unless the operator, told what goes, says yes (or passed --yes). */
async function confirmRemoval(io: CliIo, { tenant, contents }: Awaited<ReturnType<typeof previewTenantRemoval>>): Promise<void> {
  await confirmDeletion(io, `tenant ${tenant.issuer} with ${contents.users} user(s), ${contents.notes} note(s) and ${contents.openSessions} open session(s)`);
}

const COMMANDS = ['add', 'add-key', 'remove-key', 'list', 'set-origins', 'remove'] as const;

export const tenantCommand: Command = async (args, io) => {
  const { positionals, values } = parseCliArgs({
    args,
    allowPositionals: true,
    options: {
      issuer: { type: 'string' },
      origin: { type: 'string', multiple: true },
      kid: { type: 'string' },
      'key-id': { type: 'string' },
      'public-key': { type: 'string' },
      'jwks-url': { type: 'string' },
      alg: { type: 'string' },
      json: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = subcommandOf(positionals[0], values.help, COMMANDS, USAGE, io);
  if (command === null) return 0;
  const key = command === 'add' || command === 'add-key' ? keyInputFrom(values) : null;

  return withDatabase('tenant', io, async (db, config, secrets) => {
    const now = systemClock.now();
    const production = config.production;
    switch (command) {
      case 'add': {
        const tenant = await registerTenant(db, secrets, { issuer: requireIssuer(values), origins: values.origin ?? [], now, key: key!, production });
        if (values.json) {
          // HS256: exactly { id, issuer, origins, secret } (docs/protocol.md section 6); other keys: the key instead of a secret.
          const { id, issuer, origins } = tenant;
          io.out(JSON.stringify(tenant.secret !== undefined ? { id, issuer, origins, secret: tenant.secret } : { id, issuer, origins, key: tenant.key }));
          return;
        }
        io.out(`Registered tenant ${tenant.issuer} (${tenant.id})`);
        io.out(`Origins: ${tenant.origins.join(' ')}`);
        io.out(`Key: ${describeKey(tenant.key)}`);
        printSecret(io, tenant.secret);
        return;
      }
      case 'add-key': {
        const added = await addTenantKey(db, secrets, { issuer: requireIssuer(values), key: key!, now, production });
        if (values.json) {
          io.out(JSON.stringify(added));
          return;
        }
        io.out(`Added to ${added.issuer}: ${describeKey(added.key)}`);
        printSecret(io, added.secret);
        io.out('The new key verifies beside the existing ones; once the host signs only with it, remove the old one with remove-key.');
        return;
      }
      case 'remove-key': {
        const removed = await removeTenantKey(db, { issuer: requireIssuer(values), kid: values.kid, keyId: values['key-id'] });
        if (values.json) io.out(JSON.stringify(removed));
        else io.out(`Removed from ${removed.issuer}: ${describeKey(removed.key)} (servers stop using it within ${config.cacheTtl} seconds)`);
        return;
      }
      case 'list': {
        const rows = await listTenantsWithKeys(db);
        if (values.json) io.out(JSON.stringify(rows));
        else if (rows.length === 0) io.out('No tenants registered.');
        else for (const r of rows) io.out(`${r.issuer}  ${r.id}\n  origins: ${r.origins.join(' ')}\n${r.keys.map((k) => `  key: ${describeKey(k)}`).join('\n')}`);
        return;
      }
      case 'set-origins': {
        const updated = await replaceTenantOrigins(db, { issuer: requireIssuer(values), origins: values.origin ?? [], production });
        io.out(`Origins of ${updated.issuer}: ${updated.origins.join(' ')}`);
        return;
      }
      case 'remove': {
        const issuer = requireIssuer(values);
        if (!values.yes) await confirmRemoval(io, await previewTenantRemoval(db, issuer, now));
        const removed = await removeTenant(db, issuer);
        io.out(`Removed tenant ${removed.issuer}.`);
        return;
      }
    }
  });
};
