import { SessionKeyRing } from '../auth/session/sessionKeyRing.ts';
import { systemClock } from '../clock.ts';
import { signingKeyStore } from '../db/signingKeys.ts';
import { parseCliArgs, subcommandOf, withDatabase, type Command } from './runCli.ts';

const USAGE = `Usage: npm run keys -- <command>

  list     Show the session-signing keys: the active one and those that only verify.
  rotate   Make a new signing key active now. Older keys keep verifying the tokens
           they signed until those expire (SESSION_TTL + CLOCK_SKEW); nobody is logged out.
           Every server node signs with the new key within CACHE_TTL (default 30 s).`;

export const keysCommand: Command = async (args, io) => {
  const { positionals, values } = parseCliArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const command = subcommandOf(positionals[0], values.help, ['rotate', 'list'] as const, USAGE, io);
  if (command === null) return 0;
  return withDatabase('keys', io, async (db, _config, secrets) => {
    const ring = await new SessionKeyRing(signingKeyStore(db, secrets), systemClock).init();
    if (command === 'rotate') {
      const fresh = await ring.rotate();
      io.out(`New active session key ${fresh.kid}; the previous one now only verifies until its tokens expire.`);
      return;
    }
    const active = ring.signingKey().kid;
    for (const key of ring.listKeys()) {
      const state = key.kid === active ? 'active' : key.retiredAt === null ? 'verifies' : `retired ${new Date(key.retiredAt).toISOString()}`;
      io.out(`${key.kid}  created ${new Date(key.createdAt).toISOString()}  ${state}`);
    }
  });
};
