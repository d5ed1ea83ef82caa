import crypto from 'node:crypto';

// Secrets at rest: the tenants' HS256 secrets and our session-signing keys are
// stored sealed with AES-256-GCM under a key-encryption key (KEK) that never
// enters the database, so a copy of the database alone signs nothing.
// Each value is stored with the id of the KEK that sealed it, so a new KEK can
// take over while the old one still opens what it sealed (rotation).

export const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A value as stored: ciphertext (base64url of iv | ciphertext | tag) and the id of its KEK. */
export interface Sealed {
  value: string;
  keyId: string;
}

/** A value that cannot be opened here: its KEK is not configured, or the value or its row was tampered with. */
export class SecretUnreadable extends Error {
  override name = 'SecretUnreadable';
}

/** A short, stable name for a KEK that reveals nothing about it (the start of a hash of it). */
export function kekIdOf(key: Buffer): string {
  return crypto.createHash('sha256').update('notes-widget kek id\0').update(key).digest('base64url').slice(0, 12);
}

export class SecretBox {
  /** The KEK that seals new values. */
  readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();

  /** `current` seals and opens; `previous` only open values sealed before a rotation. */
  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEK_BYTES) throw new Error(`a secrets key must be ${KEK_BYTES} bytes`);
      this.keys.set(kekIdOf(key), key);
    }
    this.keyId = kekIdOf(current);
  }

  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /**
   * `context` names where the value lives (table and row): it is authenticated
   * with the ciphertext, so a sealed value moved to another row does not open.
   */
  seal(plaintext: string, context: string): Sealed {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { value: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url'), keyId: this.keyId };
  }

  open(sealed: Sealed, context: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new SecretUnreadable(`sealed with secrets key id ${sealed.keyId}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`);
    const raw = Buffer.from(sealed.value, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable(`the sealed value of ${context} is truncated`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadable(`the sealed value of ${context} does not open with key id ${sealed.keyId}: it was altered or moved`);
    }
  }
}
