import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KEK_BYTES, SecretBox } from './secretBox.ts';

/** The key-encryption keys as configured (config.ts reads them from the environment). */
export interface SecretsKeys {
  /** SECRETS_KEY: seals new values. null only outside production when it is unset: the development key file serves. */
  current: Buffer | null;
  /** SECRETS_KEY_PREVIOUS: open values sealed before a rotation; never seal. */
  previous: Buffer[];
  /** Where the development key is kept when SECRETS_KEY is unset (created on first use, mode 0600). */
  developmentKeyFile: string;
}

/** 32 bytes written as base64 (what `openssl rand -base64 32` prints), base64url or hex; null for anything else. */
export function parseSecretsKey(text: string): Buffer | null {
  const value = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) bytes = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) bytes = Buffer.from(value, 'base64');
  return bytes?.length === KEK_BYTES ? bytes : null;
}

export const generateSecretsKey = (): string => crypto.randomBytes(KEK_BYTES).toString('base64');

/** The box that seals and opens stored secrets, and where its sealing key came from (for the start-up message). */
export function openSecretBox(keys: SecretsKeys): { box: SecretBox; source: string } {
  if (keys.current) return { box: new SecretBox(keys.current, keys.previous), source: 'SECRETS_KEY' };
  return { box: new SecretBox(developmentKey(keys.developmentKeyFile), keys.previous), source: keys.developmentKeyFile };
}

/**
 * Outside production a key is generated into the data folder on first use, so
 * `npm start` needs no setup. Written to a private temporary file and linked
 * into place, so processes starting together all end up reading the same key.
 */
function developmentKey(file: string): Buffer {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const draft = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(draft, `${generateSecretsKey()}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.unlinkSync(draft);
    }
  }
  const key = parseSecretsKey(fs.readFileSync(file, 'utf8'));
  if (!key) {
    throw new Error(`${file} does not hold a secrets key (32 random bytes, base64); restore it, or set SECRETS_KEY to the key the stored secrets were sealed with`);
  }
  return key;
}
