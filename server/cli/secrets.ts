import { sealAllSecrets, secretsByKeyId } from '../db/sealedSecrets.ts';
import { generateSecretsKey } from '../secrets/secretsKey.ts';
import { CliInputError, parseCliArgs, withDatabase, type Command } from './runCli.ts';

const USAGE = `Usage: npm run secrets -- <command>

  status        Which key sealed each stored secret (tenant HS256 secrets, our session keys).
  rotate        Seal every stored secret with SECRETS_KEY. Run it after setting SECRETS_KEY to
                the new key and SECRETS_KEY_PREVIOUS to the old one; afterwards the old key
                opens nothing and can be dropped from SECRETS_KEY_PREVIOUS (and destroyed).
  generate-key  Print a new random key for SECRETS_KEY (32 bytes, base64).

See "Secrets at rest" in the README (Security at the edges) for the whole rotation and for backups.`;

export const secretsCommand: Command = async (args, io) => {
  const { positionals, values } = parseCliArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const [command] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return 0;
  }
  if (command === 'generate-key') {
    io.out(generateSecretsKey());
    return 0;
  }
  if (command !== 'status' && command !== 'rotate') throw new CliInputError(`unknown command "${command}"\n\n${USAGE}`);
  return withDatabase('secrets', io, async (db, _config, secrets) => {
    if (command === 'rotate') {
      const rewritten = await sealAllSecrets(db, secrets);
      io.out(`Sealed ${rewritten} stored secret(s) anew; every stored secret is now sealed with key id ${secrets.keyId} (SECRETS_KEY).`);
      return;
    }
    io.out(`SECRETS_KEY has key id ${secrets.keyId}.`);
    for (const { table, keyId, count } of await secretsByKeyId(db)) {
      const by = keyId === null ? 'stored in clear' : keyId === secrets.keyId ? `sealed with key id ${keyId} (SECRETS_KEY)` : `sealed with key id ${keyId} (SECRETS_KEY_PREVIOUS)`;
      io.out(`${table}: ${count} ${by}`);
    }
  });
};
