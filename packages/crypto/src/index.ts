import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Keyring {
  /** Every known key; the last one encrypts, all of them decrypt. */
  keys: { version: string; key: Buffer }[];
}

export class SecretDecryptError extends Error {
  override name = 'SecretDecryptError';
}

/**
 * AES-256-GCM sealed box: "version.iv.tag.ciphertext" (base64url parts). The version names
 * the key, so keys can rotate: add a new key at the end, re-encrypt at leisure, drop the old.
 */
export function encryptSecret(keyring: Keyring, plaintext: string): string {
  const active = keyring.keys.at(-1);
  if (!active) throw new Error('keyring has no keys');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', active.key, iv);
  cipher.setAAD(Buffer.from(active.version));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [active.version, iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptSecret(keyring: Keyring, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  const entry = keyring.keys.find((k) => k.version === version);
  if (!entry || iv === undefined || tag === undefined || body === undefined) {
    throw new SecretDecryptError(`no key for secret version "${version ?? ''}"`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(entry.version));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptError(`secret sealed with key ${entry.version} failed authentication`);
  }
}

export const encryptJson = (keyring: Keyring, value: unknown) => encryptSecret(keyring, JSON.stringify(value));
export const decryptJson = <T>(keyring: Keyring, sealed: string): T => JSON.parse(decryptSecret(keyring, sealed)) as T;

/** True when a secret was sealed with an older key and should be re-encrypted. */
export const needsRotation = (keyring: Keyring, sealed: string) => sealed.split('.')[0] !== keyring.keys.at(-1)?.version;
