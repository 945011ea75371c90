import { userInfo } from 'node:os';
import qrcode from 'qrcode-terminal';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../config.js';
import { loadEnvSettings } from '../config/env.js';
import { ConfigError, JarvisError } from '../errors.js';
import { awsConfigPath, resolveMode } from '../mode.js';
import { loadMfaKey, MFA_KEY_HINT, MfaService } from '../policies/mfa.js';
import { roleOf } from '../policies/rbac.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

export interface MfaEnrollOptions {
  /**
   * Configuration file; default JARVIS_CONFIG, else `jarvis.config.yaml` here, or in sandbox mode the
   * sandbox configuration (as `npm start`).
   */
  config?: string;
  /** `--sandbox`: enrol for the sandbox (its key may live in the data directory); unset: JARVIS_SANDBOX. */
  sandbox?: boolean;
  /** Replace an existing enrolment. */
  force?: boolean;
}

/**
 * `jarvis mfa enroll <user>`: creates a TOTP seed for `user`, stores it encrypted in
 * `<JARVIS_DATA_DIR>/jarvis.db` and prints, once, the otpauth:// URI and its QR code on stdout (the only
 * place the seed ever goes). The audit log records who enrolled whom, never the seed. Throws ConfigError
 * when no MFA key is available, CONFLICT when the user is already enrolled and `force` is not set.
 */
export async function runMfaEnroll(
  user: string,
  opts: MfaEnrollOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const env = loadEnvSettings();
  // The key of sandbox mode may live in the data directory (see loadMfaKey); only when asked for.
  const sandbox = resolveMode(opts.sandbox, env) === 'sandbox';
  const path = opts.config ?? (sandbox ? (env.JARVIS_CONFIG ?? SANDBOX_CONFIG_PATH) : awsConfigPath(env));
  const config = loadConfig(path);
  const key = loadMfaKey(env, { sandbox });
  if (!key) {
    throw new ConfigError(
      [`JARVIS_MFA_KEY: unset, so MFA secrets cannot be encrypted; ${MFA_KEY_HINT}.`],
      'the environment',
    );
  }
  const store = await openStore({ databaseUrl: env.JARVIS_DATABASE_URL, dataDir: env.JARVIS_DATA_DIR });
  try {
    const existing = await store.getMfa(user);
    if (existing && opts.force !== true) {
      await audit(store, user, 'deny', 'refused', { user, reason: 'already enrolled' });
      throw new JarvisError(
        'CONFLICT',
        `${user} is already enrolled (since ${new Date(existing.enrolledAt).toISOString()}). Add --force to replace the secret; the entry in their authenticator app stops working then.`,
        { resource: `mfa/${user}` },
      );
    }
    const { uri } = await new MfaService({ store, key }).enroll(user);
    await audit(store, user, 'allow', 'ok', { user, replaced: existing !== undefined });

    out.write(
      `MFA enrolment of ${user}. Scan the QR code with an authenticator app, or add the URI by hand.\n`,
    );
    out.write('It is shown this once: the secret is stored encrypted and cannot be displayed again.\n\n');
    out.write(await qrText(uri));
    out.write(`\n${uri}\n`);
    const role = roleOf(config, user);
    if (role === 'viewer') {
      out.write(
        `\nNote: ${user} has the role viewer in ${config.source}, which may only read; list them in access.users to let them write.\n`,
      );
    }
  } finally {
    await store.close();
  }
}

function qrText(uri: string): Promise<string> {
  return new Promise((resolve) => qrcode.generate(uri, { small: true }, resolve));
}

async function audit(
  store: Store,
  user: string,
  decision: 'allow' | 'deny',
  outcome: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await store.appendAudit({
    at: Date.now(),
    actor: operator(),
    channel: 'cli',
    tool: 'mfa.enroll',
    inputSummary: `enrol ${user} for TOTP MFA`,
    decision,
    outcome,
    detail,
  });
}

/** Who ran the command, for the audit log: the login name of this process's user. */
function operator(): string {
  try {
    // An empty USER is as good as none.
    return process.env.USER || userInfo().username || 'cli';
  } catch {
    return 'cli'; // no passwd entry for this uid, as in some containers
  }
}
