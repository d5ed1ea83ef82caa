import { SessionKeyRing } from '../auth/sessionKeyRing.ts';
import { systemClock } from '../clock.ts';
import { signingKeyStore } from '../db/signingKeys.ts';
import { CliInputError, parseCliArgs, runCli } from './runCli.ts';

const USAGE = `Usage: npm run keys -- <command>

  list     Show the session-signing keys: the active one and those that only verify.
  rotate   Make a new signing key active now. Older keys keep verifying the tokens
           they signed until those expire (SESSION_TTL + CLOCK_SKEW); nobody is logged out.
           Every server node signs with the new key within CACHE_TTL (default 30 s).`;

const { positionals, values } = parseCliArgs('keys', { args: process.argv.slice(2), allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });

if (values.help || positionals.length === 0) {
  console.log(USAGE);
} else {
  await runCli('keys', async (db) => {
    const ring = await new SessionKeyRing(signingKeyStore(db), systemClock).init();
    const [command] = positionals;
    if (command === 'rotate') {
      const fresh = await ring.rotate();
      console.log(`New active session key ${fresh.kid}; the previous one now only verifies until its tokens expire.`);
    } else if (command === 'list') {
      const active = ring.signingKey().kid;
      for (const key of ring.listKeys()) {
        const state = key.kid === active ? 'active' : key.retiredAt === null ? 'verifies' : `retired ${new Date(key.retiredAt).toISOString()}`;
        console.log(`${key.kid}  created ${new Date(key.createdAt).toISOString()}  ${state}`);
      }
    } else {
      throw new CliInputError(`unknown command "${command}"\n\n${USAGE}`);
    }
  });
}
