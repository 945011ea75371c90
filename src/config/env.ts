import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** The default `ANTHROPIC_MODEL`. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

/**
 * The default `ANTHROPIC_FIRST_BYTE_TIMEOUT_MS`: a person whose API hangs is answered by the offline
 * planner within 15 s of asking, its own answer (well under a second) included.
 */
export const DEFAULT_FIRST_BYTE_MS = 14_000;

const optionalSecret = z.string().min(1).optional();
const blankIsUnset = (value: unknown): unknown => (value === '' ? undefined : value);

/** A yes/no switch: 1 or true, 0 or false; unset (or blank) is false. */
const flag = z.preprocess(
  blankIsUnset,
  z
    .enum(['1', 'true', '0', 'false'], { error: 'must be 1, true, 0 or false' })
    .optional()
    .transform((v) => v === '1' || v === 'true'),
);

/**
 * Settings read from the process environment. Secrets live here, never in jarvis.config.yaml, and every
 * variable is listed (commented) in .env.example.
 */
const EnvSchema = z.object({
  JARVIS_CONFIG: z.preprocess(blankIsUnset, z.string().optional()),
  JARVIS_DATA_DIR: z.preprocess(blankIsUnset, z.string().default('./data')),
  /** The PostgreSQL store shared by several replicas; unset: the SQLite file in JARVIS_DATA_DIR. */
  JARVIS_DATABASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(
        /^postgres(ql)?:\/\/\S+$/,
        'must be a postgres:// (or postgresql://) URL, e.g. postgres://jarvis:secret@db:5432/jarvis',
      )
      .optional(),
  ),
  JARVIS_TIME_SCALE: z.preprocess(blankIsUnset, z.coerce.number().positive().default(1)),
  JARVIS_TIME_ANCHOR: z.preprocess(blankIsUnset, z.coerce.number().int().positive().optional()),
  /** Run on the sandbox (simulated AWS and Kubernetes) instead of AWS; only ever chosen explicitly. */
  JARVIS_SANDBOX: flag,
  JARVIS_SANDBOX_URL: z.preprocess(blankIsUnset, z.url().optional()),
  LOG_LEVEL: z.preprocess(
    blankIsUnset,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  AWS_REGION: z.preprocess(blankIsUnset, z.string().optional()),
  /** The SDK's own endpoint overrides; in sandbox mode they point at a separately started sandbox. */
  AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: z.preprocess(blankIsUnset, z.url().optional()),
  AWS_ENDPOINT_URL_EKS: z.preprocess(blankIsUnset, z.url().optional()),
  AWS_ENDPOINT_URL_CLOUDWATCH: z.preprocess(blankIsUnset, z.url().optional()),
  AWS_ENDPOINT_URL_ECR: z.preprocess(blankIsUnset, z.url().optional()),
  /** GitHub REST API for CI evidence; overrides `evidence.github.apiUrl` (a sandbox prints its stand-in). */
  GITHUB_API_URL: z.preprocess(blankIsUnset, z.url().optional()),
  /** Token for CI evidence (read access to checks and statuses); unset: unauthenticated requests. */
  GITHUB_TOKEN: z.preprocess(blankIsUnset, optionalSecret),
  ANTHROPIC_API_KEY: z.preprocess(blankIsUnset, optionalSecret),
  ANTHROPIC_BASE_URL: z.preprocess(blankIsUnset, z.url().optional()),
  /** A current model of the installed SDK's list (not one it warns is deprecated). */
  ANTHROPIC_MODEL: z.preprocess(blankIsUnset, z.string().default(DEFAULT_MODEL)),
  /**
   * The offline planner answers when the API has streamed nothing after this long, from sending the
   * request (connection set-up and retries included); see {@link DEFAULT_FIRST_BYTE_MS}.
   */
  ANTHROPIC_FIRST_BYTE_TIMEOUT_MS: z.preprocess(
    blankIsUnset,
    z.coerce.number().int().positive().default(DEFAULT_FIRST_BYTE_MS),
  ),
  /** ... or has not finished one answer after this long. */
  ANTHROPIC_ANSWER_TIMEOUT_MS: z.preprocess(blankIsUnset, z.coerce.number().int().positive().default(60_000)),
  SLACK_BOT_TOKEN: z.preprocess(
    blankIsUnset,
    z.string().startsWith('xoxb-', 'must start with xoxb-').optional(),
  ),
  SLACK_SIGNING_SECRET: z.preprocess(blankIsUnset, optionalSecret),
  SLACK_APP_TOKEN: z.preprocess(
    blankIsUnset,
    z.string().startsWith('xapp-', 'must start with xapp-').optional(),
  ),
  /** Base URL of the Slack Web API (default https://slack.com/api/); only to point Jarvis at a stand-in. */
  SLACK_API_URL: z.preprocess(blankIsUnset, z.url().optional()),
  PAGERDUTY_WEBHOOK_SECRETS: z.preprocess(blankIsUnset, optionalSecret),
  PAGERDUTY_API_TOKEN: z.preprocess(blankIsUnset, optionalSecret),
  PAGERDUTY_FROM_EMAIL: z.preprocess(blankIsUnset, z.email().optional()),
  PAGERDUTY_API_URL: z.preprocess(blankIsUnset, z.url().default('https://api.pagerduty.com')),
  JARVIS_MFA_KEY: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 random bytes in base64 (openssl rand -base64 32)')
      .optional(),
  ),
  PORT: z.preprocess(blankIsUnset, z.coerce.number().int().min(0).max(65535).default(3000)),
});

export type EnvSettings = z.infer<typeof EnvSchema>;

/** Validates the environment; every problem is reported at once as a ConfigError. */
export function loadEnvSettings(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map(
      (i) => `${i.path.join('.')}: ${i.message}. Fix or unset this environment variable.`,
    ),
    'the environment',
  );
}
