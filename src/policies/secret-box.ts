import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { JarvisError } from '../errors.js';

/**
 * Encryption at rest of TOTP seeds: AES-256-GCM under a 32-byte key from the environment. A stored value
 * reads `v1.<iv>.<tag>.<ciphertext>` (base64 each). The user id is bound in as associated data, so a seed
 * copied onto another user's row fails to decrypt instead of letting one person's codes pass as another's.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Throws CONFIG_INVALID unless `key` is 32 bytes; the message never contains the key. */
export function assertMfaKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new JarvisError(
      'CONFIG_INVALID',
      `The MFA key must be ${KEY_BYTES} bytes, got ${key.length}. Set JARVIS_MFA_KEY to the output of "openssl rand -base64 32".`,
      { resource: 'JARVIS_MFA_KEY' },
    );
  }
}

/** `secret` encrypted for `user` under `key`, with a fresh random IV; see the module comment for the format. */
export function encryptSecret(secret: string, key: Buffer, user: string): string {
  assertMfaKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(user));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join('.');
}

/**
 * The secret `user`'s stored value holds. Throws FORBIDDEN when the value is malformed, was altered, was
 * encrypted for another user or under another key; the message names the user and the fix, never the
 * value, the key or any part of the secret.
 */
export function decryptSecret(stored: string, key: Buffer, user: string): string {
  assertMfaKey(key);
  const parts = stored.split('.');
  const [version, iv, tag, ciphertext] = parts;
  if (
    parts.length !== 4 ||
    version !== VERSION ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    ![iv, tag, ciphertext].every((p) => BASE64.test(p))
  ) {
    throw unreadable(user, 'it is not in the v1 format');
  }
  const ivBytes = Buffer.from(iv, 'base64');
  const tagBytes = Buffer.from(tag, 'base64');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
    throw unreadable(user, 'it is not in the v1 format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(user));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    // Node's own message ("Unsupported state or unable to authenticate data") says nothing useful; ours does.
    throw unreadable(
      user,
      'JARVIS_MFA_KEY is not the key it was encrypted with, or the stored value was altered',
    );
  }
}

function associatedData(user: string): Buffer {
  return Buffer.from(`jarvis-mfa:${VERSION}:${user}`, 'utf8');
}

function unreadable(user: string, why: string): JarvisError {
  return new JarvisError(
    'FORBIDDEN',
    `The MFA secret of ${user} cannot be decrypted: ${why}. Use the JARVIS_MFA_KEY it was enrolled with, or re-enrol: jarvis mfa enroll ${user} --force.`,
    { resource: `mfa/${user}` },
  );
}
