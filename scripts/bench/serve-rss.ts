import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { startFakeSlack } from '../../test/helpers/fake-slack.js';
import { askInSlack, build, CHANNEL, idleRss, SECRET, startSandboxProcess, startServe } from './slack.js';
import type { Figure } from './stats.js';

/** What the server is asked before its RSS after work is measured: one read of the ALB, one of the cluster. */
const WORK = ['status of dev', 'is dev healthy?'];

/** The shipped configuration with the CloudWatch default for metrics, as a run against AWS reads it. */
function awsConfig(dir: string): string {
  const config = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  delete config.metrics;
  const path = join(dir, 'jarvis.config.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/**
 * Idle RSS of the built `jarvis serve` (node dist/src/cli.js, what bin/jarvis.js runs after
 * `npm run build`) against AWS, where the sandbox package is never loaded, beside the same server with
 * `--sandbox` (the sandbox in its process) as the baseline. Both run with a SQLite store, no Slack and no
 * PagerDuty. The AWS that the first one reaches through the SDK's endpoint settings is a sandbox in a
 * third process, so that none of it is counted.
 */
export async function benchServeRss(settleMs = 30_000): Promise<Figure[]> {
  build();
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-rss-'));
  const sandbox = await startSandboxProcess();
  const common = {
    JARVIS_MFA_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    PORT: '0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const s = sandbox.settings;
  const aws = {
    ...common,
    JARVIS_DATA_DIR: join(dir, 'aws'),
    JARVIS_CONFIG: awsConfig(dir),
    AWS_REGION: s.AWS_REGION ?? 'eu-west-1',
    AWS_ACCESS_KEY_ID: s.AWS_ACCESS_KEY_ID ?? '',
    AWS_SECRET_ACCESS_KEY: s.AWS_SECRET_ACCESS_KEY ?? '',
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: s.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 ?? '',
    AWS_ENDPOINT_URL_EKS: s.AWS_ENDPOINT_URL_EKS ?? '',
    AWS_ENDPOINT_URL_CLOUDWATCH: s.AWS_ENDPOINT_URL_CLOUDWATCH ?? '',
    AWS_ENDPOINT_URL_ECR: s.AWS_ENDPOINT_URL_ECR ?? '',
    GITHUB_API_URL: s.GITHUB_API_URL ?? '',
  };
  const measure = async (env: Record<string, string>, options: string[]) => {
    const child = await startServe('compiled', env, options);
    try {
      return (await idleRss(child.pid, settleMs)).idle;
    } finally {
      await child.stop();
    }
  };
  /**
   * The same server with Slack, once it has worked: a status and a diagnosis answered in Slack load Bolt,
   * the Kubernetes client and whatever else a first answer needs; then idle as long as the others.
   */
  const afterWork = async (): Promise<{ rss: number; answered: number }> => {
    const slack = await startFakeSlack({ channels: { [CHANNEL]: 'jarvis-ci' } });
    const env = {
      ...aws,
      JARVIS_DATA_DIR: join(dir, 'worked'),
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
    };
    const child = await startServe('compiled', env, []);
    try {
      const answered = await askInSlack(child.url, slack, WORK);
      return { rss: (await idleRss(child.pid, settleMs)).idle, answered };
    } finally {
      await child.stop();
      await slack.close();
    }
  };
  try {
    const bare = await measure(aws, []);
    const withSandbox = await measure({ ...common, JARVIS_DATA_DIR: join(dir, 'sandbox') }, ['--sandbox']);
    const worked = await afterWork();
    const idle = `idle ${settleMs / 1000} s, built`;
    return [
      {
        name: `jarvis serve RSS ${idle}, against AWS (sandbox not loaded)`,
        value: bare,
        unit: 'MB',
        goal: '< 100',
        ok: bare < 100,
      },
      {
        name: `jarvis serve --sandbox RSS ${idle} (baseline: sandbox in process)`,
        value: withSandbox,
        unit: 'MB',
      },
      { name: 'jarvis serve idle RSS, --sandbox over against AWS', value: withSandbox - bare, unit: 'MB' },
      {
        name: `jarvis serve RSS ${idle}, against AWS with Slack, after answering ${WORK.length} requests there`,
        value: worked.rss,
        unit: 'MB',
      },
      {
        name: `requests answered in Slack before that figure (of ${WORK.length})`,
        value: worked.answered,
        unit: '',
        goal: `= ${WORK.length}`,
        ok: worked.answered === WORK.length,
      },
    ];
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
