import Anthropic from '@anthropic-ai/sdk';
import { generate } from 'otplib';
import { AnthropicPlanner, type AnthropicLimits } from '../../src/agent/anthropic.js';
import { createAgent, type AgentKit } from '../../src/agent/factory.js';
import type { CallRecord } from '../../src/agent/loop.js';
import { systemPrompt } from '../../src/agent/prompt.js';
import type { Interaction } from '../../src/agent/types.js';
import type { Clock } from '../../src/clock.js';
import { loadEnvSettings } from '../../src/config/env.js';
import type { Actor, MfaOutcome, Requirements } from '../../src/policies/types.js';
import type { RolloutEvent } from '../../src/rollout/events.js';
import type { Colour } from '../../src/platform/types.js';
import type { AuditEntry, FinalStatus, Store } from '../../src/store/store.js';
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type FakeTurn,
  type RecordedRequest,
} from '../helpers/fake-anthropic.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';

/**
 * Sandbox time runs this many times faster than the wall clock: a dev release (four 60 s bakes and a
 * 120 s verification) takes about a second and a half, a prd one (120 s bakes, 300 s verification) about
 * three. Not faster: the rollout lease (120 s of sandbox time, renewed every third) would then last a few
 * dozen real milliseconds, and a busy machine would lose it mid-rollout. MFA follows the wall clock, so
 * codes and lockouts behave as in production.
 */
export const TIME_SCALE = 400;

/** People as the channels establish them. */
export const ACTORS = {
  alice: { id: 'alice', role: 'deployer', channel: 'repl' },
  victor: { id: 'victor', role: 'viewer', channel: 'slack' },
  pagerduty: { id: 'pagerduty', role: 'viewer', channel: 'pagerduty', readOnly: true },
  pagerdutyAdmin: { id: 'pagerduty', role: 'admin', channel: 'pagerduty', readOnly: true },
} as const satisfies Record<string, Actor>;

/** A code the person types: fixed, or produced when the prompt appears (valid codes depend on the time). */
export type TypedCode = string | (() => Promise<string>);

/** What the scripted person answers. */
export interface PersonScript {
  /** Answers to confirmations in order (the last one repeats); default: always no. */
  confirm?: boolean | boolean[];
  /**
   * Per MFA prompt, the codes typed in order: the next one is typed after an `invalid` outcome, as a
   * channel's retry would. A prompt with no codes left is cancelled (answered as `invalid` without a code
   * reaching the gate).
   */
  codes?: TypedCode[][];
}

/** A scripted person behind a channel, with everything they were shown. */
export interface ScriptedPerson extends Interaction {
  /** What each confirmation showed; `question` when the tool asks in its own words ("Confirm rollback?"). */
  confirmations: Array<{ summary: string; needs: Requirements; question?: string }>;
  mfaPrompts: Array<{ summary: string; typed: string[]; outcomes: MfaOutcome[] }>;
  events: RolloutEvent[];
  /** Every code typed, valid or not, for "never leaked" assertions. */
  typedCodes(): string[];
}

/** The checks a release started with, as its `started` event carried them: `✓ name: detail` lines. */
export function startedChecks(events: readonly RolloutEvent[]): string[] {
  return events.flatMap((e) =>
    e.kind === 'started' ? e.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`) : [],
  );
}

/** An Interaction that answers from `script` and records what it was shown. */
export function scriptedPerson(script: PersonScript = {}): ScriptedPerson {
  const answers = Array.isArray(script.confirm) ? [...script.confirm] : [script.confirm ?? false];
  const prompts = [...(script.codes ?? [])];
  const person: ScriptedPerson = {
    confirmations: [],
    mfaPrompts: [],
    events: [],
    typedCodes: () => person.mfaPrompts.flatMap((p) => p.typed),
    confirm(summary, needs, question) {
      person.confirmations.push({ summary, needs, ...(question ? { question } : {}) });
      const answer = answers.length > 1 ? answers.shift()! : (answers[0] ?? false);
      return Promise.resolve(answer);
    },
    async mfa(summary, verify) {
      const prompt = { summary, typed: [] as string[], outcomes: [] as MfaOutcome[] };
      person.mfaPrompts.push(prompt);
      const codes = [...(prompts.shift() ?? [])];
      let outcome: MfaOutcome = { ok: false, reason: 'invalid', message: 'No code was entered.' };
      for (const source of codes) {
        const code = typeof source === 'string' ? source : await source();
        prompt.typed.push(code);
        outcome = await verify(code);
        prompt.outcomes.push(outcome);
        if (outcome.ok || outcome.reason !== 'invalid') break;
      }
      return outcome;
    },
    progress(event) {
      person.events.push(event);
    },
  };
  return person;
}

/** Jarvis on a fresh sandbox with an agent wired as the channels wire it. */
export interface Kit extends AgentKit {
  h: Harness;
  close(): Promise<void>;
}

/** Starts a sandbox and an agent on it with the offline planner, as `npm start` without a key. */
/** `knownGood`: environments whose seeded state is recorded as released and verified (see recordKnownGood). */
export interface KitOptions {
  knownGood?: readonly string[];
  /** A configuration to seed the sandbox from instead of config/sandbox.yaml. */
  configPath?: string;
  /** How long the Claude planner waits for the API (default the planner's own). */
  limits?: AnthropicLimits;
}

export async function startKit(opts: KitOptions = {}): Promise<Kit> {
  const h = await startHarness(TIME_SCALE, opts.configPath);
  for (const env of opts.knownGood ?? []) await recordKnownGood(h.jarvis, env);
  const env = loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' });
  const kit = createAgent(h.jarvis, { env, sandbox: true });
  return { ...kit, h, close: () => h.close() };
}

/** The Claude planner of production, talking to `fake` over HTTP. */
export function plannerFor(
  fake: FakeAnthropic,
  jarvis: { config: Harness['jarvis']['config'] },
  limits?: AnthropicLimits,
): AnthropicPlanner {
  return new AnthropicPlanner({
    client: new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 }),
    model: 'claude-test',
    maxTokens: 1024,
    system: systemPrompt(jarvis.config),
    limits,
  });
}

/**
 * A sandbox, a scripted fake Anthropic API and an agent whose planner (the production one, built from
 * the sandbox's configuration) talks to the fake over HTTP. `close` stops both.
 */
export async function startModelKit(
  script: Array<FakeTurn | ((request: RecordedRequest) => FakeTurn)>,
  opts: KitOptions = {},
): Promise<Kit & { fake: FakeAnthropic }> {
  const fake = await startFakeAnthropic(script);
  const h = await startHarness(TIME_SCALE, opts.configPath);
  for (const env of opts.knownGood ?? []) await recordKnownGood(h.jarvis, env);
  const env = loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' });
  const planner = plannerFor(fake, h.jarvis, opts.limits);
  const kit = createAgent(h.jarvis, { env, sandbox: true, planner });
  return {
    ...kit,
    h,
    fake,
    close: async () => {
      await fake.close();
      await h.close();
    },
  };
}

/** Enrols `user` for MFA and returns the seed, as the person's authenticator app holds it. */
export async function enrol(kit: AgentKit, user: string): Promise<string> {
  if (!kit.mfa) throw new Error('the sandbox agent has no MFA service');
  const { uri } = await kit.mfa.enroll(user);
  const secret = new URL(uri).searchParams.get('secret');
  if (!secret) throw new Error(`no secret in ${uri}`);
  return secret;
}

const STEP_S = 30;

/** The code an authenticator shows now, or `steps` TOTP steps from now. */
export function codeOf(secret: string, steps = 0): () => Promise<string> {
  return () => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * STEP_S });
}

/** A 6-digit code that is none of the valid ones around now, so it is certainly wrong. */
export function wrongCodeOf(secret: string, seed = 0): () => Promise<string> {
  return async () => {
    const valid = new Set(await Promise.all([-2, -1, 0, 1, 2].map((s) => codeOf(secret, s)())));
    for (let n = 100_000 + seed * 7919; ; n++) {
      const candidate = String(n % 1_000_000).padStart(6, '0');
      if (!valid.has(candidate)) return candidate;
    }
  };
}

/**
 * True when `code` appears in `text` as a number of its own (not inside a longer run of digits such as
 * a millisecond timestamp or an AWS account id).
 */
export function mentionsCode(text: string, code: string): boolean {
  return new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text);
}

/** The (tool, decision, outcome) triples of a turn's calls, for compact assertions. */
export function callsOf(calls: readonly CallRecord[]): Array<[string, string, string]> {
  return calls.map((c) => [c.tool, c.decision, c.outcome]);
}

/** The audit log, oldest first. */
export async function auditLog(store: Store): Promise<AuditEntry[]> {
  return (await store.listAudit({ limit: 1000 })).reverse();
}

/**
 * Records a finished deployment directly in the store, as an earlier release would have left it: how
 * tests stand up "1.3.0 succeeded in tst" without running two releases first, or plant a reason text.
 */
export async function recordDeployment(
  jarvis: { store: Store; clock: Clock },
  d: { env: string; version: string; status: FinalStatus; reason?: string; service?: string },
): Promise<number> {
  const { store } = jarvis;
  const now = jarvis.clock.now();
  const started = await store.startDeployment({
    env: d.env,
    service: d.service ?? 'checkout',
    version: d.version,
    colour: 'green',
    previousVersion: '1.2.0',
    previousColour: 'blue',
    strategy: 'blue-green',
    actor: 'carol',
    startedAt: now - 600_000,
  });
  await store.finishDeployment(started.id, d.status, d.reason, now - 60_000);
  return started.id;
}

/**
 * Records that Jarvis released 1.2.0 (blue, as the sandbox seeds it) over 1.1.0 (green) in `env` and
 * verified both: the sandbox's seeded state becomes one whose standby is known good, so that
 * `rollback <env>` has somewhere safe to go.
 */
export async function recordKnownGood(
  jarvis: { store: Store; clock: Clock },
  env: string,
  service = 'checkout',
): Promise<void> {
  const now = jarvis.clock.now();
  const d = await jarvis.store.startDeployment({
    env,
    service,
    version: '1.2.0',
    colour: 'blue',
    previousVersion: '1.1.0',
    previousColour: 'green',
    strategy: 'blue-green',
    actor: 'carol',
    startedAt: now - 3_600_000,
  });
  await jarvis.store.finishDeployment(d.id, 'SUCCESS', undefined, now - 3_000_000, {
    state: {
      live: { colour: 'blue', version: '1.2.0', verdict: 'known_good', at: now - 3_000_000 },
      standby: { colour: 'green', version: '1.1.0', verdict: 'known_good', at: now - 3_000_000 },
      weights: { blue: 100, green: 0 },
    },
    verdicts: [
      { version: '1.2.0', verdict: 'known_good', at: now - 3_000_000, deploymentId: d.id },
      { version: '1.1.0', verdict: 'known_good', at: now - 3_000_000, deploymentId: d.id },
    ],
  });
}

/** The `tool_result` blocks of a request the fake received. */
export function toolResultsOf(
  request: RecordedRequest | undefined,
): Array<{ tool_use_id: string; content: string; is_error?: boolean }> {
  const messages = (request?.body.messages ?? []) as Array<{ role: string; content: unknown }>;
  const last = messages[messages.length - 1];
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<Record<string, unknown>>)
    .filter((b) => b.type === 'tool_result')
    .map((b) => b as { tool_use_id: string; content: string; is_error?: boolean });
}

/** The rows of the first box-drawn table in `text` (header first), each as its trimmed cells. */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

/** The weight steps a rollout reported, in order. */
export function weightSteps(events: readonly RolloutEvent[]): number[] {
  return events.flatMap((e) => (e.kind === 'weights' ? [e.step] : []));
}

/**
 * Records a Warning event about a pod of `colour` in the sandbox's namespace, as the kubelet would: how
 * tests put text written by others (here, by an attacker who controls a workload) into what
 * diagnose_service reads.
 */
export function plantPodEvent(
  h: Harness,
  where: { env: string; service: string; colour: Colour },
  event: { reason: string; message: string },
): void {
  const world = h.jarvis.sandbox!.world;
  const route = world.route(where.env, where.service)!;
  const env = h.jarvis.config.environments[where.env]!;
  const namespace = world.kube.namespace(env.cluster, env.namespace)!;
  const pod = world.podsBehind(route[where.colour])[0]!;
  const uid = namespace.pods.get(pod.name)!.metadata.uid;
  namespace.events.record(
    h.jarvis.clock.now(),
    { kind: 'Pod', name: pod.name, uid, apiVersion: 'v1' },
    'Warning',
    event.reason,
    event.message,
    { component: 'kubelet', host: pod.node ?? 'node-1' },
    3,
  );
}
