import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { TurnResult } from '../agent/loop.js';
import { createAgent, type AgentKit } from '../agent/factory.js';
import { startJarvis, type Jarvis } from '../app.js';
import { Repl } from '../channels/repl.js';
import { loadEnvSettings, type EnvSettings } from '../config/env.js';
import { createLogger } from '../logger.js';
import { logWarnings } from '../warnings.js';
import { SANDBOX_NOTICE } from '../mode.js';
import { roleOf } from '../policies/rbac.js';
import type { Actor } from '../policies/types.js';
import type { ReconcileReport } from '../rollout/reconciler.js';

export interface ChatOptions {
  /** Who is at the terminal; default the login name. */
  user?: string;
  /** `--sandbox`: run on the sandbox; unset: JARVIS_SANDBOX decides (else AWS). */
  sandbox?: boolean;
}

interface Session {
  jarvis: Jarvis;
  kit: AgentKit;
  repl: Repl;
  close(): Promise<void>;
}

/**
 * `jarvis chat` (and `npm start`, with `--sandbox`): the REPL, against AWS or, when asked for, on the
 * sandbox, which its banner says plainly. Logs go to `<JARVIS_DATA_DIR>/jarvis.log`: the terminal belongs
 * to the conversation. Throws ConfigError when the mode cannot run (see startJarvis).
 */
export async function runChat(opts: ChatOptions): Promise<void> {
  const session = await open(opts, loadEnvSettings());
  try {
    await session.repl.run();
  } finally {
    await session.close();
  }
}

/**
 * `jarvis ask "<request>"`: answers one request and exits. Questions (confirmation, TOTP code) are asked
 * on this terminal, or read from standard input when it is piped. On the sandbox the first line printed
 * is {@link SANDBOX_NOTICE}. Resolves with the exit status (see {@link exitStatus}); a bad configuration
 * or usage (status 2) is thrown before, as a ConfigError or by the command line parser.
 */
export async function runAsk(request: string, opts: ChatOptions): Promise<number> {
  const session = await open(opts, loadEnvSettings(), { quiet: true });
  try {
    if (session.jarvis.mode === 'sandbox') process.stdout.write(`${SANDBOX_NOTICE}\n`);
    const result = await session.repl.ask(request);
    return exitStatus(result);
  } finally {
    await session.close();
  }
}

/**
 * The exit status of `jarvis ask` for a turn: 0 when it was done (an answer, or every tool call ran and
 * did what it was asked), 1 when it was refused (by the policy, the planner or the language model's API),
 * declined, failed or not understood. Undefined: the turn itself failed.
 */
export function exitStatus(result: TurnResult | undefined): 0 | 1 {
  if (!result || result.refused || result.plannerError) return 1;
  return result.calls.every((c) => c.outcome === 'ok' && !c.failed) ? 0 : 1;
}

async function open(opts: ChatOptions, env: EnvSettings, { quiet = false } = {}): Promise<Session> {
  // The terminal is the conversation's: the AWS SDK's notice about Node 20 support (a documented switch)
  // would land in the middle of it. Set the variable to false to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const logger = createLogger(env.LOG_LEVEL, join(env.JARVIS_DATA_DIR, 'jarvis.log'));
  // Other libraries' warnings (a deprecated model, say) go to the log file, not into the conversation.
  const restoreWarnings = logWarnings(logger);
  // The sandbox runs a minute a second unless JARVIS_TIME_SCALE says otherwise.
  const timeScale = process.env.JARVIS_TIME_SCALE ? env.JARVIS_TIME_SCALE : undefined;
  const jarvis = await startJarvis({ env, sandbox: opts.sandbox, logger, timeScale });
  const kit = createAgent(jarvis, { env, sandbox: jarvis.mode === 'sandbox', logger });
  const id = opts.user ?? userInfo().username;
  const actor: Actor = { id, role: roleOf(jarvis.config, id), channel: quiet ? 'cli' : 'repl' };
  const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // A long-running REPL reconciles (adopting what a previous process left unfinished before the first
  // request); `ask` answers one request and must not write for reads.
  const shown: { repl?: Repl } = {};
  const recovered = quiet
    ? []
    : await jarvis.startReconciler((r) => shown.repl?.notice(`Reconciler: ${r.detail}`));
  const repl = new Repl({
    agent: kit.agent,
    actor,
    input: process.stdin,
    output: process.stdout,
    terminal,
    ...(quiet ? {} : { banner: banner(jarvis, kit, actor, env, recovered) }),
  });
  shown.repl = repl;
  return {
    jarvis,
    kit,
    repl,
    close: async () => {
      repl.close();
      await jarvis.close();
      restoreWarnings();
    },
  };
}

function banner(
  jarvis: Jarvis,
  kit: AgentKit,
  actor: Actor,
  env: EnvSettings,
  recovered: readonly ReconcileReport[],
): string {
  const sandbox = jarvis.mode === 'sandbox';
  const where = !sandbox
    ? `AWS, configuration ${jarvis.config.source}`
    : `the ${jarvis.sandbox ? 'embedded sandbox' : `sandbox at ${env.JARVIS_SANDBOX_URL ?? '?'}`}: simulated AWS and Kubernetes, not your real environments (simulated time x${scaleOf(jarvis)})`;
  const planner =
    kit.planner.name === 'offline'
      ? 'the offline planner (set ANTHROPIC_API_KEY for Claude)'
      : `Claude (${kit.planner.name}), with the offline planner as fallback`;
  const atStart = recovered.map((r) => `\nAt start: ${r.detail}`).join('');
  const mfa = kit.mfa
    ? `prd writes ask for your TOTP code; enrol with "npx jarvis mfa enroll ${sandbox ? '--sandbox ' : ''}${actor.id}".`
    : 'MFA is not configured (JARVIS_MFA_KEY): writes that need it are refused.';
  return `Jarvis on ${where}, answering with ${planner}. You are ${actor.id} (${actor.role}); ${mfa}${atStart}`;
}

function scaleOf(jarvis: Jarvis): number {
  const clock = jarvis.clock as { scale?: number };
  return clock.scale ?? 1;
}
