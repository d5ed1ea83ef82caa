import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { kekIdOf, SecretBox, SecretUnreadable } from '../../server/secrets/secretBox.ts';
import { generateSecretsKey, openSecretBox, parseSecretsKey } from '../../server/secrets/secretsKey.ts';

const key = () => crypto.randomBytes(32);

describe('SecretBox (AES-256-GCM under a key-encryption key)', () => {
  it('opens what it sealed, and the stored value does not contain the plaintext', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('the tenant secret', 'tenant_keys.material/1');
    expect(sealed.keyId).toBe(box.keyId);
    expect(sealed.value).not.toContain('the tenant secret');
    expect(box.open(sealed, 'tenant_keys.material/1')).toBe('the tenant secret');
    // A fresh IV every time: equal secrets do not look equal at rest.
    expect(box.seal('the tenant secret', 'tenant_keys.material/1').value).not.toBe(sealed.value);
  });

  it('refuses a value moved to another row, or altered', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('s', 'tenant_keys.material/1');
    expect(() => box.open(sealed, 'tenant_keys.material/2')).toThrow(SecretUnreadable);
    const flipped = Buffer.from(sealed.value, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    expect(() => box.open({ ...sealed, value: flipped.toString('base64url') }, 'tenant_keys.material/1')).toThrow(SecretUnreadable);
  });

  it('opens with a previous key what that key sealed, seals only with the current one, and names a missing key', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealedBefore = new SecretBox(oldKey).seal('s', 'c');
    const rotating = new SecretBox(newKey, [oldKey]);
    expect(rotating.open(sealedBefore, 'c')).toBe('s');
    expect(rotating.seal('s', 'c').keyId).toBe(kekIdOf(newKey));
    expect(() => new SecretBox(newKey).open(sealedBefore, 'c')).toThrow(new RegExp(`key id ${kekIdOf(oldKey)}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`));
  });
});

describe('the secrets key', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads 32 bytes as base64 (openssl rand -base64 32), base64url or hex, and nothing else', () => {
    const bytes = key();
    for (const text of [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), ` ${bytes.toString('base64')}\n`]) {
      expect(parseSecretsKey(text)?.equals(bytes)).toBe(true);
    }
    for (const text of ['', 'secret', crypto.randomBytes(16).toString('base64'), crypto.randomBytes(33).toString('base64')]) expect(parseSecretsKey(text)).toBeNull();
    expect(parseSecretsKey(generateSecretsKey())).toHaveLength(32);
  });

  it('is required in production and checked everywhere, previous keys included', () => {
    const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://w.example' };
    expect(() => loadConfig(production)).toThrow(/SECRETS_KEY is required in production/);
    expect(() => loadConfig({ SECRETS_KEY: 'hunter2' })).toThrow(/SECRETS_KEY must be 32 random bytes in base64/);
    expect(() => loadConfig({ SECRETS_KEY_PREVIOUS: `${generateSecretsKey()},nope` })).toThrow(/SECRETS_KEY_PREVIOUS .* entry 2 is not/);
    const [current, previous] = [generateSecretsKey(), generateSecretsKey()];
    const secrets = loadConfig({ ...production, SECRETS_KEY: current, SECRETS_KEY_PREVIOUS: `${previous}, ` }).secrets;
    expect(secrets.current?.toString('base64')).toBe(current);
    expect(secrets.previous.map((k) => k.toString('base64'))).toEqual([previous]);
  });

  it('outside production without SECRETS_KEY, is generated once into the data folder, readable by our user only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'widget-secrets-'));
    dirs.push(dir);
    const config = loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'data', 'widget.sqlite')}` });
    expect(config.secrets.developmentKeyFile).toBe(path.join(dir, 'data', 'secrets.key'));
    const first = openSecretBox(config.secrets);
    expect(first.source).toBe(config.secrets.developmentKeyFile);
    expect(fs.statSync(config.secrets.developmentKeyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(openSecretBox(config.secrets).box.keyId).toBe(first.box.keyId);
    expect(fs.readdirSync(path.join(dir, 'data'))).toEqual(['secrets.key']);
  });

  it('prefers SECRETS_KEY to the development file', () => {
    const secretsKey = generateSecretsKey();
    const { box, source } = openSecretBox(loadConfig({ SECRETS_KEY: secretsKey, DATABASE_URL: 'sqlite:/nonexistent/widget.sqlite' }).secrets);
    expect(source).toBe('SECRETS_KEY');
    expect(box.keyId).toBe(kekIdOf(parseSecretsKey(secretsKey)!));
  });
});
