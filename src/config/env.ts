import { z } from 'zod';
import { ConfigError } from '../errors.js';

const optionalSecret = z.string().min(1).optional();
const blankIsUnset = (value: unknown): unknown => (value === '' ? undefined : value);

/**
 * Settings read from the process environment. Secrets live here, never in jarvis.config.yaml, and every
 * variable is listed (commented) in .env.example.
 */
const EnvSchema = z.object({
  JARVIS_CONFIG: z.preprocess(blankIsUnset, z.string().optional()),
  JARVIS_DATA_DIR: z.preprocess(blankIsUnset, z.string().default('./data')),
  JARVIS_TIME_SCALE: z.preprocess(blankIsUnset, z.coerce.number().positive().default(1)),
  JARVIS_TIME_ANCHOR: z.preprocess(blankIsUnset, z.coerce.number().int().positive().optional()),
  JARVIS_SANDBOX_URL: z.preprocess(blankIsUnset, z.url().optional()),
  LOG_LEVEL: z.preprocess(
    blankIsUnset,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  AWS_REGION: z.preprocess(blankIsUnset, z.string().optional()),
  ANTHROPIC_API_KEY: z.preprocess(blankIsUnset, optionalSecret),
  ANTHROPIC_BASE_URL: z.preprocess(blankIsUnset, z.url().optional()),
  ANTHROPIC_MODEL: z.preprocess(blankIsUnset, z.string().default('claude-sonnet-4-5')),
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
