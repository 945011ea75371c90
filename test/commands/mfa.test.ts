import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runMfaEnroll } from '../../src/commands/mfa.js';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { SANDBOX_KEY_FILE } from '../../src/policies/mfa-key.js';

describe('jarvis mfa enroll', () => {
  let dir: string;
  let cwd: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-mfa-'));
    cwd = process.cwd();
    process.chdir(dir);
    vi.stubEnv('JARVIS_DATA_DIR', join(dir, 'data'));
    vi.stubEnv('JARVIS_CONFIG', '');
    vi.stubEnv('JARVIS_SANDBOX', '');
    vi.stubEnv('JARVIS_MFA_KEY', '');
    vi.stubEnv('LOG_LEVEL', 'silent');
  });
  afterEach(() => {
    process.chdir(cwd);
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with --sandbox enrols against the sandbox configuration, with its key in the data directory', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString('utf8')));

    await runMfaEnroll('alice', { sandbox: true }, out);

    expect(printed).toContain('otpauth://totp/');
    expect(existsSync(join(dir, 'data', SANDBOX_KEY_FILE))).toBe(true);
  });

  it('without it refuses to run with no configuration, naming JARVIS_CONFIG and --sandbox', async () => {
    await expect(runMfaEnroll('alice', {}, new PassThrough())).rejects.toThrow(
      /No configuration: JARVIS_CONFIG is unset.*or add --sandbox/,
    );
  });

  it('without it reads ./jarvis.config.yaml and never keeps the key next to the store', async () => {
    copyFileSync(SANDBOX_CONFIG_PATH, join(dir, 'jarvis.config.yaml'));

    await expect(runMfaEnroll('alice', {}, new PassThrough())).rejects.toThrow(/JARVIS_MFA_KEY: unset/);
    expect(existsSync(join(dir, 'data', SANDBOX_KEY_FILE))).toBe(false);
  });
});
