import { z } from 'zod';
import type { Clock } from '../clock.js';
import { environmentOf, type LoadedConfig, type Role } from '../config.js';
import { JarvisError, isJarvisError, messageOf, type ErrorCode } from '../errors.js';
import type { RolloutListener } from '../rollout/events.js';
import type { RolloutService } from '../rollout/service.js';
import type { MetricsProvider } from '../platform/metrics/provider.js';
import type { Store } from '../store/store.js';

export type Risk = 'read' | 'write';

/** What a tool may use. The person's confirmation and MFA never reach a tool: the gate handled them. */
export interface ToolContext {
  config: LoadedConfig;
  rollouts: RolloutService;
  store: Store;
  metrics: MetricsProvider;
  clock: Clock;
  /** Who the call is for (a Slack user id, a REPL user, `pagerduty`). */
  actor: string;
  onEvent?: RolloutListener;
  signal?: AbortSignal;
  /** What {@link Tool.plan} returned and the person confirmed; the tool must do exactly that. */
  plan?: unknown;
}

/** What a write tool will do, worked out read-only before the person is asked. */
export interface ToolPlan {
  /** Shown for confirmation instead of the static summary: the current state and the exact change. */
  summary: string;
  /** Handed back to `run` as `ctx.plan` once confirmed. */
  plan: unknown;
  /** How the person is asked, e.g. "Confirm rollback?"; undefined: "Proceed?". */
  question?: string;
}

/** What the gate needs to know about a call: where it writes. */
export interface CallTarget {
  env: string | undefined;
  service: string | undefined;
  version?: string | undefined;
  /** For promotions: the environment the version comes from. */
  fromEnv?: string | undefined;
  /** An admin's reason to write during a freeze (the `breakGlass` input); MFA is then required. */
  breakGlass?: string | undefined;
}

/**
 * One tool: schema first (STYLE.md). `input` is a zod object whose JSON schema is what the model sees;
 * `summary` is the one line shown in confirmations and the audit log.
 */
export interface Tool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  risk: Risk;
  input: S;
  summary(input: z.infer<S>, config: LoadedConfig): string;
  target(input: z.infer<S>, config: LoadedConfig): CallTarget;
  run(ctx: ToolContext, input: z.infer<S>): Promise<unknown>;
  /**
   * Works out, read-only, exactly what a write will do, before the person confirms it; a refusal found
   * here (a JarvisError) is reported without asking anything. Undefined: `summary` is what is confirmed.
   */
  plan?(ctx: ToolContext, input: z.infer<S>): Promise<ToolPlan>;
  /**
   * How the release policy treats the write (src/policies/release.ts). `stops`: it only stops a change or
   * returns to the verified state (abort, pause): no MFA code, no approval, no promotion check, no freeze,
   * but still a confirmation (a button press counts). `reverts`: it goes back to an earlier version
   * (rollback): no promotion check; the version must be one the release state allows, and a freeze lets it
   * through to a known-good version. `guards`: it changes the policy's own state (freeze, unfreeze): not
   * refused for a freeze, no promotion check, no approval. Undefined: a release like any other.
   */
  effect?: 'stops' | 'reverts' | 'guards';
  /** The least role the tool needs wherever it writes, above the environment's `writeRole`. */
  minRole?: Role;
  /**
   * The result as people read it (plain text, tables in monospace), for channels and the offline planner.
   * It receives the result as it came back through the loop (parsed JSON, possibly from a bounded copy),
   * so it must not trust its shape: return undefined when it cannot render it, and the raw JSON is shown.
   */
  render?(output: unknown): string | undefined;
  /**
   * The result for a display `width` columns wide (a Slack message: 100 columns), its tables fitted to
   * it; what `render` returns wherever that fits already. Undefined: `render` fits any display.
   */
  renderNarrow?(output: unknown, width: number): string | undefined;
  /**
   * False when the tool ran but what it was asked for did not happen (a rollout that failed or was rolled
   * back): the call is then reported as failed (`jarvis ask` exits 1). Undefined: returning is success.
   */
  succeeded?(output: unknown): boolean;
}

/** Declares a tool with its input type inferred from the schema. */
export function defineTool<S extends z.ZodObject>(tool: Tool<S>): Tool<S> {
  return tool;
}

/** The error result a tool call turns into: the call, its parameters, the upstream error and valid options. */
export interface ToolError {
  error: { code: ErrorCode; message: string; options?: readonly string[]; resource?: string };
  call: { tool: string; input: unknown };
}

export function toolError(tool: string, input: unknown, err: unknown): ToolError {
  if (isJarvisError(err)) {
    return {
      error: {
        code: err.code,
        message: err.message,
        ...(err.details.options ? { options: err.details.options } : {}),
        ...(err.details.resource ? { resource: err.details.resource } : {}),
      },
      call: { tool, input },
    };
  }
  if (err instanceof z.ZodError) {
    return {
      error: {
        code: 'INVALID_INPUT',
        message: err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
      },
      call: { tool, input },
    };
  }
  return { error: { code: 'INTERNAL', message: messageOf(err) }, call: { tool, input } };
}

/** The service a call means: the one named, else the configured default, else the environment's only one. */
export function serviceFor(config: LoadedConfig, env: string, service: string | undefined): string {
  if (service) return service;
  const services = Object.keys(environmentOf(config, env).services);
  if (config.defaultService && services.includes(config.defaultService)) return config.defaultService;
  if (services.length === 1) return services[0]!;
  throw new JarvisError(
    'INVALID_INPUT',
    `${env} has several services; name one of: ${services.join(', ')}.`,
    {
      options: services,
    },
  );
}

/** Input fields shared by tools that act on one service of one environment. */
export const envField = z.string().min(1).max(63).describe('Environment name, e.g. dev, tst or prd.');
export const serviceField = z
  .string()
  .min(1)
  .max(63)
  .optional()
  .describe('Service name; omit for the default service.');
/** The break-glass reason of a write during a freeze (admins only; MFA is then required). */
export const breakGlassField = z
  .string()
  .min(10)
  .max(300)
  .optional()
  .describe(
    'Only when the environment is frozen and an admin says this write cannot wait: their reason, in their words. Needs an MFA code; recorded as break-glass. Never set it on your own.',
  );

export const versionField = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/)
  .describe('Version to release: the image tag, e.g. 1.3.0.');
