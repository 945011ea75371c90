import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig, SANDBOX_CONFIG_PATH } from './config.js';
import { loadEnvSettings } from './config/env.js';
import { ConfigError, isJarvisError, messageOf } from './errors.js';
import { INSTALL_DIR } from './install-dir.js';
import { awsConfigPath, resolveMode, sandboxOnlySettings } from './mode.js';

/** The `--sandbox` option of the commands that run Jarvis; JARVIS_SANDBOX=1 does the same. */
const SANDBOX_FLAG =
  'run on the sandbox: simulated AWS and Kubernetes in this process, or the one JARVIS_SANDBOX_URL names (default: AWS; JARVIS_SANDBOX=1 does the same)';

/**
 * The `jarvis` command. Each subcommand loads and checks its configuration first: a bad configuration is
 * reported as a list of every problem and exits with status 2, before anything is started.
 */
export function buildCli(): Command {
  const program = new Command('jarvis')
    .description('ChatOps agent for blue/green releases on AWS (ALB + EKS)')
    .version(version(), '-V, --version', 'print the version of Jarvis')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('sandbox')
    .description(
      'run the local AWS + EKS + Kubernetes sandbox alone and print the settings that point Jarvis at it',
    )
    .option('-c, --config <path>', 'configuration to seed the sandbox from', SANDBOX_CONFIG_PATH)
    .option('-p, --port <port>', 'port of the AWS endpoint (0: any free port)', parsePort, 4566)
    .option('-t, --time-scale <n>', 'simulated seconds per real second', parsePositive, 60)
    .action(async (opts: { config: string; port: number; timeScale: number }) => {
      const { runSandbox } = await import('./commands/sandbox.js');
      await runSandbox(opts);
    });

  program
    .command('config')
    .description('check jarvis.config.yaml and the environment, and list every problem')
    .option('-c, --config <path>', 'configuration file (default: $JARVIS_CONFIG or jarvis.config.yaml)')
    .option('--sandbox', 'check it for the sandbox instead of AWS (default: JARVIS_SANDBOX, else AWS)')
    .option(
      '--check',
      'also call Slack, ELBv2, EKS, the metrics source and PagerDuty, read-only, and report each',
    )
    .action(async (opts: { config?: string; sandbox?: boolean; check?: boolean }) => {
      const env = loadEnvSettings();
      const mode = resolveMode(opts.sandbox, env);
      const fallback = mode === 'sandbox' ? (env.JARVIS_CONFIG ?? SANDBOX_CONFIG_PATH) : undefined;
      const cfg = loadConfig(opts.config ?? fallback ?? awsConfigPath(env));
      // Against AWS, what only the sandbox may use is refused here as it is at start-up.
      const refused = mode === 'aws' ? sandboxOnlySettings(env, cfg) : [];
      if (refused.length > 0) throw new ConfigError(refused, `${cfg.source} and the environment`);
      const services = cfg.order.map(
        (e) => `${e} (${Object.keys(cfg.environments[e]?.services ?? {}).join(', ')})`,
      );
      const where = mode === 'sandbox' ? 'for the sandbox' : 'for AWS (credentials are checked at start-up)';
      console.log(`${cfg.source}: valid ${where}. Environments in promotion order: ${services.join(' → ')}`);
      if (!opts.check) return;
      const { checkDependencies, formatChecks } = await import('./commands/config-check.js');
      const results = await checkDependencies(mode, { ...env, JARVIS_CONFIG: cfg.source });
      for (const line of formatChecks(results)) console.log(line);
      const failed = results.filter((r) => r.ok === false).length;
      if (failed > 0) {
        console.error(`${failed} of ${results.length} checks failed.`);
        throw new ExitStatus(1);
      }
    });

  program
    .command('chat')
    .description('talk to Jarvis in this terminal (against AWS; on the sandbox with --sandbox)')
    .option('-u, --user <id>', 'who you are (default: your login name)')
    .option('--sandbox', SANDBOX_FLAG)
    .action(async (opts: { user?: string; sandbox?: boolean }) => {
      const { runChat } = await import('./commands/chat.js');
      await runChat(opts);
    });

  program
    .command('ask')
    .description(
      'answer one request and exit: status 0 done; 1 refused, declined, failed or not understood; 2 bad configuration or usage',
    )
    .argument('<request...>', 'what to do, e.g. "status of prd"')
    .option('-u, --user <id>', 'who you are (default: your login name)')
    .option('--sandbox', SANDBOX_FLAG)
    .action(async (words: string[], opts: { user?: string; sandbox?: boolean }) => {
      const { runAsk } = await import('./commands/chat.js');
      const status = await runAsk(words.join(' '), opts);
      if (status !== 0) throw new ExitStatus(status);
    });

  for (const [name, description] of [
    ['slack', 'run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP on --port)'],
    ['serve', 'run Slack, the PagerDuty webhook and /metrics together on one HTTP server'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .option('-p, --port <port>', 'HTTP port (default: $PORT, else 3000)', parsePort)
      .option('--host <host>', 'interface to listen on (default: all)')
      .option('--sandbox', SANDBOX_FLAG)
      .action(async (opts: { port?: number; host?: string; sandbox?: boolean }) => {
        if (name === 'slack') {
          const { runSlack } = await import('./commands/slack.js');
          await runSlack(opts);
        } else {
          const { runServe } = await import('./commands/serve.js');
          await runServe(opts);
        }
      });
  }

  program
    .command('audit')
    .description('show the audit log, newest first')
    .option('--since <when>', 'only entries since an ISO time or a duration ago (30m, 24h, 7d)')
    .option('--actor <id>', 'only entries of this actor')
    .option('--limit <n>', 'most entries shown (1-10000)', '50')
    .option('--json', 'JSON lines instead of a table')
    .option('--verify', 'check the hash chain of the whole log and name the first row where it breaks')
    .option('--export [file]', 'write the whole log with its hashes as JSON lines (to a file, or stdout)')
    .action(
      async (opts: {
        since?: string;
        actor?: string;
        limit: string;
        json?: boolean;
        verify?: boolean;
        export?: string | boolean;
      }) => {
        const { runAudit } = await import('./commands/audit.js');
        const status = await runAudit(opts);
        if (status !== 0) throw new ExitStatus(status);
      },
    );

  program
    .command('mfa')
    .description('manage TOTP enrolment')
    .command('enroll')
    .description('create a TOTP secret for a user and show it once, as a QR code and an otpauth:// URI')
    .argument('<user>', 'Slack user id or REPL login name')
    .option(
      '-c, --config <path>',
      'configuration file (default: $JARVIS_CONFIG, else jarvis.config.yaml; with --sandbox the sandbox configuration)',
    )
    .option('--force', 'replace an existing enrolment')
    .option('--sandbox', 'enrol for the sandbox (npm start), whose MFA key may live in the data directory')
    .action(async (user: string, opts: { config?: string; force?: boolean; sandbox?: boolean }) => {
      const { runMfaEnroll } = await import('./commands/mfa.js');
      await runMfaEnroll(user, opts);
    });

  return program;
}

/** The version in Jarvis's package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(join(INSTALL_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Loads `.env` from the working directory when there is one, with Node's own parser: variables already
 * set in the environment win over the file. A file that cannot be read is a ConfigError.
 */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  try {
    process.loadEnvFile(path);
  } catch (err) {
    throw new ConfigError([`${path}: ${messageOf(err)}. Fix the file or remove it.`], path);
  }
  return true;
}

/** A command's own non-zero exit status, with nothing more to print. */
class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
  }
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/**
 * Runs the CLI and turns failures into a message and an exit status: 2 for a bad configuration or usage
 * (an unknown flag, a missing argument), 1 for anything else.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    loadDotEnv();
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof ExitStatus) return err.status;
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof CommanderError) {
      // Commander already printed the help, the version or the usage error; a usage error is status 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    console.error(isJarvisError(err) ? `${err.code}: ${err.message}` : messageOf(err));
    return 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.exitCode = await main(process.argv.slice(2));
}
