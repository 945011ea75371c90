import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnvSettings } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';
import { loadMfaKey } from '../../src/policies/mfa.js';

describe('loadMfaKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes JARVIS_MFA_KEY when set, in and out of the sandbox, and writes no file', () => {
    // Arrange
    const key = randomBytes(32);
    const env = loadEnvSettings({ JARVIS_MFA_KEY: key.toString('base64'), JARVIS_DATA_DIR: dir });

    // Act
    const loaded = [loadMfaKey(env, { sandbox: false }), loadMfaKey(env, { sandbox: true })];

    // Assert
    expect(loaded).toEqual([key, key]);
    expect(() => statSync(join(dir, 'mfa.key'))).toThrow();
  });

  it('is undefined outside the sandbox without JARVIS_MFA_KEY', () => {
    // Act
    const loaded = loadMfaKey(loadEnvSettings({ JARVIS_DATA_DIR: dir }), { sandbox: false });

    // Assert
    expect(loaded).toBeUndefined();
  });

  it('creates a 0600 key file in the sandbox and reads the same key back later', () => {
    // Arrange
    const env = loadEnvSettings({ JARVIS_DATA_DIR: join(dir, 'data') });

    // Act
    const first = loadMfaKey(env, { sandbox: true });
    const second = loadMfaKey(env, { sandbox: true });

    // Assert
    const file = join(dir, 'data', 'mfa.key');
    expect(first).toHaveLength(32);
    expect(second).toEqual(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(first);
  });

  it('reports a damaged key file as a configuration problem', () => {
    // Arrange
    writeFileSync(join(dir, 'mfa.key'), 'not a key\n', { mode: 0o600 });
    const env = loadEnvSettings({ JARVIS_DATA_DIR: dir });

    // Act
    const load = () => loadMfaKey(env, { sandbox: true });

    // Assert
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/must be 32 random bytes in base64/);
  });
});
