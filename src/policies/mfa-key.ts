import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvSettings } from '../config/env.js';
import { ConfigError } from '../errors.js';

/** The file that holds the sandbox's MFA key when JARVIS_MFA_KEY is unset, inside JARVIS_DATA_DIR. */
export const SANDBOX_KEY_FILE = 'mfa.key';

/** What to tell someone who needs a key and has none. */
export const MFA_KEY_HINT = 'set JARVIS_MFA_KEY (openssl rand -base64 32)';

/**
 * The key that encrypts TOTP seeds at rest: JARVIS_MFA_KEY (32 bytes in base64) when set. Otherwise, in
 * sandbox mode only, `<JARVIS_DATA_DIR>/mfa.key`, created (mode 0600) on first use so that `npm start` works
 * with no settings at all; outside the sandbox, undefined: MFA cannot be enrolled or checked then, and the
 * caller says so with {@link MFA_KEY_HINT}. A key kept next to the database it protects is no protection,
 * which is why the file is never used outside the sandbox. Throws ConfigError for a malformed key or file.
 */
export function loadMfaKey(env: EnvSettings, opts: { sandbox: boolean }): Buffer | undefined {
  if (env.JARVIS_MFA_KEY !== undefined)
    return decodeKey(env.JARVIS_MFA_KEY, 'JARVIS_MFA_KEY', 'the environment');
  if (!opts.sandbox) return undefined;
  mkdirSync(env.JARVIS_DATA_DIR, { recursive: true });
  const file = join(env.JARVIS_DATA_DIR, SANDBOX_KEY_FILE);
  try {
    // `wx`: when two processes start at once, one creates the file and the other reads it below.
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(
        [`${file}: cannot create the sandbox MFA key (${(err as Error).message}). Or ${MFA_KEY_HINT}.`],
        file,
      );
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      [`${file}: cannot read the sandbox MFA key (${(err as Error).message}). Or ${MFA_KEY_HINT}.`],
      file,
    );
  }
  return decodeKey(text, file, file);
}

function decodeKey(base64: string, name: string, source: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || key.length !== 32) {
    throw new ConfigError(
      [
        `${name}: must be 32 random bytes in base64; ${MFA_KEY_HINT}. Seeds enrolled under the old key must be enrolled again.`,
      ],
      source,
    );
  }
  return key;
}
