import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALICE, startSlackHarness, type SlackHarness } from '../channels/slack/harness.js';
import { promtool } from '../helpers/promtool.js';

const RULES = resolve('deploy/prometheus/alerts.yml');
const DASHBOARD = resolve('deploy/grafana/jarvis-releases.json');
/** The series the shipped rules read. */
const RULE_METRICS =
  /^(deployment_status|deployment_rollback_total|deployment_drift_total)\{([^}]*)\} (\S+)$/;
/** Minutes each recorded scrape is held for in the rule test (samples one minute apart). */
const HOLD = 5;

type Scrape = Map<string, string>;

/** The series of a /metrics scrape that the rules read, as `name{labels}` → value. */
function seriesOf(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    const m = RULE_METRICS.exec(line);
    if (m) out.set(`${m[1]}{${m[2]}}`, m[3]!);
  }
  return out;
}

/** promtool input series: each scrape held for HOLD minutes; `_` where a series was not there yet. */
function inputSeries(scrapes: Scrape[]): { series: string; values: string }[] {
  const names = [...new Set(scrapes.flatMap((s) => [...s.keys()]))];
  return names.map((series) => ({
    series,
    values: scrapes.flatMap((s) => Array<string>(HOLD).fill(s.get(series) ?? '_')).join(' '),
  }));
}

interface Alert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

const where = { environment: 'dev', service: 'checkout' };
const failed: Alert = {
  exp_labels: { severity: 'critical', ...where, status: 'failed' },
  exp_annotations: { summary: 'Deployment failed in dev' },
};
const rollback = (trigger: string): Alert => ({
  exp_labels: { severity: 'critical', ...where, trigger },
  exp_annotations: { summary: 'Rollback triggered in dev' },
});
const drift: Alert = {
  exp_labels: { severity: 'warning', ...where },
  exp_annotations: { summary: 'ALB weights of checkout in dev changed outside Jarvis' },
};

describe('the shipped alert rules, on series recorded from rollouts on the sandbox', () => {
  let h: SlackHarness;
  const scrapes: Scrape[] = [];
  let last = '';
  let dir: string;

  const scrape = async (): Promise<void> => {
    last = await (await fetch(`${h.service.url}/metrics`)).text();
    scrapes.push(seriesOf(last));
  };
  const run = async (text: string, status: string): Promise<void> => {
    const thread = await h.say(ALICE, text);
    await h.press(ALICE, await h.question(thread, 'jarvis_confirm'), 'jarvis_confirm');
    await h.ended(thread, status);
    await h.service.slack!.channel.idle();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-rules-'));
    h = await startSlackHarness();
    // Arrange + Act: the timeline, one scrape after each step.
    await scrape();
    await run('deploy 1.3.1-errors to dev', 'ROLLED_BACK');
    await scrape();
    await run('deploy 1.3.0 to dev', 'SUCCESS');
    await scrape();
    await run('rollback dev', 'SUCCESS');
    await scrape();
    const { alb } = h.jarvis.platform.forEnv('dev');
    const route = h.jarvis.rollouts.route('dev', 'checkout');
    const live = await alb.readWeights(route);
    await alb.setWeights(route, live.blue === 100 ? { blue: 70, green: 30 } : { blue: 30, green: 70 }, live);
    await h.jarvis.startReconciler((r) => h.service.report(r));
    await scrape();
  }, 120_000);
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes promtool check rules', () => {
    const checked = promtool(['check', 'rules', RULES]);

    expect(checked.output).toContain('SUCCESS: 4 rules found');
    expect(checked.status).toBe(0);
  });

  it('fires DeploymentFailed, RollbackTriggered and DeploymentDrift when they happened, and only then', () => {
    // Arrange: phase k of the timeline spans minutes [k*HOLD, (k+1)*HOLD); evaluate 3 minutes in.
    const at = (phase: number): string => `${phase * HOLD + 3}m`;
    const expect_ = (phase: number, alertname: string, alerts: Alert[]) => ({
      eval_time: at(phase),
      alertname,
      exp_alerts: alerts,
    });
    const test = {
      rule_files: [RULES],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: inputSeries(scrapes),
          alert_rule_test: [
            // 0: nothing has happened yet.
            expect_(0, 'DeploymentFailed', []),
            expect_(0, 'RollbackTriggered', []),
            expect_(0, 'DeploymentDrift', []),
            // 1: analysis rolled back 1.3.1-errors.
            expect_(1, 'DeploymentFailed', [failed]),
            expect_(1, 'RollbackTriggered', [rollback('automatic')]),
            // 2: a good release; the earlier rollback is no longer news.
            expect_(2, 'DeploymentFailed', []),
            expect_(2, 'RollbackTriggered', []),
            // 3: a rollback someone asked for.
            expect_(3, 'RollbackTriggered', [rollback('manual')]),
            expect_(3, 'DeploymentFailed', []),
            expect_(3, 'DeploymentDrift', []),
            // 4: weights changed outside Jarvis, found by the reconcile loop.
            expect_(4, 'DeploymentDrift', [drift]),
            expect_(4, 'RollbackTriggered', []),
          ],
        },
        {
          // A rollout that never ends: deployment_status as a running rollout exports it.
          interval: '1m',
          input_series: [
            {
              series: 'deployment_status{environment="prd",service="checkout",status="running"}',
              values: '1x40',
            },
          ],
          alert_rule_test: [
            { eval_time: '20m', alertname: 'DeploymentStuck', exp_alerts: [] },
            {
              eval_time: '35m',
              alertname: 'DeploymentStuck',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    environment: 'prd',
                    service: 'checkout',
                    status: 'running',
                  },
                  exp_annotations: { summary: 'Rollout of checkout in prd running for over 30 minutes' },
                },
              ],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'alerts.test.yml');
    writeFileSync(file, stringify(test));

    // Act
    const result = promtool(['test', 'rules', file]);

    // Assert
    expect(
      scrapes[0]!.get('deployment_rollback_total{environment="dev",service="checkout",trigger="automatic"}'),
    ).toBe('0');
    expect(scrapes[1]!.get('deployment_status{environment="dev",service="checkout",status="failed"}')).toBe(
      '1',
    );
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('has a Grafana dashboard whose queries parse as PromQL and read only metrics that /metrics serves', () => {
    // Arrange
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    // Grafana's variables, as Grafana would substitute them, so promtool can parse the expressions.
    const concrete = exprs.map((e) =>
      e
        .replaceAll('$__rate_interval', '5m')
        .replaceAll('$__range', '1d')
        .replaceAll(/\$[a-z]+/g, '.*'),
    );
    const file = join(dir, 'dashboard-rules.yml');
    writeFileSync(
      file,
      stringify({
        groups: [
          { name: 'dashboard', rules: concrete.map((expr, i) => ({ record: `panel:query${i}`, expr })) },
        ],
      }),
    );
    const names = [
      ...new Set(exprs.flatMap((e) => e.match(/\b(deployment|jarvis|process|nodejs)_[a-z0-9_]+/g) ?? [])),
    ];

    // Act
    const checked = promtool(['check', 'rules', file]);

    // Assert
    expect(checked.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) {
      const family = name.replace(/_bucket$/, '');
      expect(last, name).toContain(`# TYPE ${family} `);
    }
  });
});
