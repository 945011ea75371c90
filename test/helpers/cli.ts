import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';

const BIN = resolvePath('bin/jarvis.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * `jarvis <args>` as a script runs it: the bin in a child process, standard input piped (no terminal),
 * data in `dir`, and no AWS credentials or Anthropic key anywhere unless `env` sets them.
 */
export function runJarvis(
  dir: string,
  args: readonly string[],
  { stdin = '', cwd = process.cwd(), env = {} }: CliOptions = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        HOME: home,
        JARVIS_DATA_DIR: join(dir, 'data'),
        JARVIS_CONFIG: '',
        JARVIS_SANDBOX: '',
        JARVIS_SANDBOX_URL: '',
        JARVIS_TIME_SCALE: '1000',
        JARVIS_TIME_ANCHOR: '',
        JARVIS_MFA_KEY: '',
        AWS_PROFILE: '',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        ANTHROPIC_API_KEY: '',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
