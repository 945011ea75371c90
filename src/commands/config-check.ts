import { webApi } from '@slack/bolt';
import type { LoadedConfig } from '../config.js';
import type { EnvSettings } from '../config/env.js';
import { isJarvisError, messageOf } from '../errors.js';
import { openTarget, type Mode } from '../mode.js';
import { Platform } from '../platform/index.js';
import { pagerDutyClientFromEnv } from '../platform/pagerduty.js';
import { routeOf } from '../platform/types.js';

/** One line of `jarvis config --check`: what was asked, whether it answered as it should, and how. */
export interface CheckResult {
  name: string;
  /** undefined: not configured, so not checked. */
  ok: boolean | undefined;
  detail: string;
}

/** The longest one check may take; a dependency that hangs is a failed check, not a hung command. */
const CHECK_TIMEOUT_MS = 15_000;

/**
 * Calls every dependency the configuration names, read-only: Slack `auth.test`, ELBv2 DescribeListeners
 * or DescribeRules on every configured listener and rule (through the weights read, so the forward's
 * target groups are checked too), EKS DescribeCluster per environment, one metrics query, and the
 * PagerDuty token with its From user. Results come in that order; nothing is written anywhere.
 */
export async function checkDependencies(mode: Mode, env: EnvSettings): Promise<CheckResult[]> {
  const target = await openTarget(mode, env, { timeScale: 1 });
  const platform = new Platform({ config: target.config, clock: target.clock, ...target.platform });
  try {
    const checks: Array<Promise<CheckResult>> = [
      slack(env),
      ...albChecks(target.config, platform),
      ...target.config.order.map((name) => {
        const cluster = target.config.environments[name]!.cluster;
        return check(`EKS DescribeCluster ${cluster} (${name})`, async () => {
          const info = await platform.forEnv(name).eks.describeCluster(cluster);
          return `endpoint ${info.endpoint}`;
        });
      }),
      metrics(target.config, platform),
      pagerDuty(env),
    ];
    return await Promise.all(checks);
  } finally {
    await platform.destroy();
    await target.sandbox?.close();
  }
}

/** The report's lines: ✓ answered, ✗ failed, – not configured. */
export function formatChecks(results: readonly CheckResult[]): string[] {
  return results.map((r) => `${r.ok === undefined ? '–' : r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}`);
}

async function check(name: string, run: () => Promise<string>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return { name, ok: true, detail: await Promise.race([run(), timeout]) };
  } catch (err) {
    return { name, ok: false, detail: isJarvisError(err) ? `${err.code}: ${err.message}` : messageOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

function slack(env: EnvSettings): Promise<CheckResult> {
  const token = env.SLACK_BOT_TOKEN;
  if (!token)
    return Promise.resolve({ name: 'Slack auth.test', ok: undefined, detail: 'SLACK_BOT_TOKEN is unset' });
  return check('Slack auth.test', async () => {
    const url = env.SLACK_API_URL;
    const client = new webApi.WebClient(token, {
      ...(url ? { slackApiUrl: url.endsWith('/') ? url : `${url}/` } : {}),
      retryConfig: { retries: 0 },
      timeout: CHECK_TIMEOUT_MS,
    });
    const answer = await client.auth.test();
    return `bot ${answer.user ?? '?'} (${answer.user_id ?? '?'}) in team ${answer.team ?? '?'} (${answer.team_id ?? '?'})`;
  });
}

function albChecks(config: LoadedConfig, platform: Platform): Array<Promise<CheckResult>> {
  return config.order.flatMap((env) =>
    Object.keys(config.environments[env]!.services).map((service) => {
      const route = routeOf(config, env, service);
      const s = config.environments[env]!.services[service]!;
      const operation =
        s.mode === 'ingress'
          ? `Kubernetes Ingress ${route.namespace}/${s.ingress?.name ?? ''} (owned by the AWS Load Balancer Controller)`
          : s.ruleArn
            ? `ELBv2 DescribeRules ${s.ruleArn}`
            : `ELBv2 DescribeListeners ${s.listenerArn ?? ''}`;
      return check(`${operation} (${env}/${service})`, async () => {
        const weights = await platform.forEnv(env).alb.readWeights(route);
        return `forward to the configured target groups: blue ${weights.blue}%, green ${weights.green}%`;
      });
    }),
  );
}

function metrics(config: LoadedConfig, platform: Platform): Promise<CheckResult> {
  const env = config.order[0]!;
  const service = Object.keys(config.environments[env]!.services)[0]!;
  const route = routeOf(config, env, service);
  const provider = platform.metrics;
  return check(`metrics (${provider.name}) on ${env}/${service}`, async () => {
    const live = await platform.forEnv(env).alb.readWeights(route);
    const colour = live.green > live.blue ? 'green' : 'blue';
    try {
      const figures = await provider.window({
        env,
        service,
        colour,
        targetGroupArn: route.targetGroups[colour],
        windowSeconds: 60,
      });
      return `${figures.requests} requests in 60 s on ${colour}`;
    } catch (err) {
      // CloudWatch answered, but has nothing published for the window: the source works.
      if (isJarvisError(err) && err.details.facts?.source === 'cloudwatch') return `answered; ${err.message}`;
      throw err;
    }
  });
}

function pagerDuty(env: EnvSettings): Promise<CheckResult> {
  const configured = pagerDutyClientFromEnv(env);
  if (!configured.client) {
    return Promise.resolve({ name: 'PagerDuty token', ok: undefined, detail: configured.reason });
  }
  const client = configured.client;
  return check('PagerDuty token', () => client.checkToken());
}
