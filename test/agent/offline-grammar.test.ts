import { describe, expect, it } from 'vitest';
import { editDistance, nearest, tokenize } from '../../src/agent/offline-lexer.js';
import { OfflinePlanner, type Parsed } from '../../src/agent/offline.js';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { toolRegistry } from '../../src/tools/index.js';

const config = loadConfig(SANDBOX_CONFIG_PATH);
const planner = new OfflinePlanner({ config, tools: toolRegistry() });

const refusal = (parsed: Parsed): string => {
  expect(parsed).not.toHaveProperty('call');
  expect(parsed).not.toHaveProperty('help');
  return (parsed as { text: string }).text;
};

/**
 * What a call acts on must be in what was typed: every environment, service and version of its input
 * (environments also by their common name), and nothing the person did not name.
 */
function typedOnly(text: string, parsed: Parsed): void {
  if (!('call' in parsed)) return;
  const typed = text.toLowerCase();
  const aliases: Record<string, string[]> = {
    prd: ['prd', 'prod', 'production'],
    dev: ['dev', 'development'],
  };
  for (const [key, value] of Object.entries(parsed.call.input)) {
    if (typeof value !== 'string' || key === 'reason') continue;
    const spellings = aliases[value] ?? [value.toLowerCase()];
    // "promote 1.3.0 to prd" takes its source from the promotion order, which is not a guess.
    if (key === 'from' && !spellings.some((s) => typed.includes(s))) continue;
    if (key === 'scope') continue;
    // "deployment failed", "the release broke": the person asked about a failed deployment.
    if (key === 'deployment' && value === 'last_failed') {
      expect(/\b(failed|fails|failing|broke|broken)\b/.test(typed), `no failure word in "${text}"`).toBe(
        true,
      );
      continue;
    }
    if (key === 'until') spellings.push(value.replace('T', ' '));
    expect(
      spellings.some((s) => typed.includes(s)),
      `${key}=${value} not typed in "${text}"`,
    ).toBe(true);
  }
}

describe('offline grammar: nothing but what was typed is acted on', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['deploy 1.3.0 to dev', 'deploy_service', { env: 'dev', version: '1.3.0' }],
    ['deploy catalog 1.3.0 to dev', 'deploy_service', { env: 'dev', version: '1.3.0', service: 'catalog' }],
    ['deploy 1.3.0 to dev catalog', 'deploy_service', { env: 'dev', version: '1.3.0', service: 'catalog' }],
    ['deploy 1.3.0-RC1 to dev', 'deploy_service', { env: 'dev', version: '1.3.0-RC1' }],
    ['deploy version 1.3.0 to tst.', 'deploy_service', { env: 'tst', version: '1.3.0' }],
    ['rollback catalog in dev', 'rollback_service', { env: 'dev', service: 'catalog' }],
    ['undo the last deploy in dev', 'rollback_service', { env: 'dev' }],
    ['undo the last deployment of catalog in dev', 'rollback_service', { env: 'dev', service: 'catalog' }],
    ['Roll back prd to 1.2.0', 'rollback_service', { env: 'prd', version: '1.2.0' }],
    ['is prd healthy?', 'diagnose_service', { env: 'prd' }],
    ['is checkout in production ok', 'diagnose_service', { env: 'prd', service: 'checkout' }],
    [
      'Deployment failed in tst - how do I troubleshoot?',
      'diagnose_service',
      { env: 'tst', deployment: 'last_failed' },
    ],
    ['Deployment failed - how do I troubleshoot?', 'diagnose_service', { deployment: 'last_failed' }],
    ['cancel the deploy in prd', 'abort_rollout', { env: 'prd' }],
    ['stop dev', 'abort_rollout', { env: 'dev' }],
    ['freeze prd "black friday"', 'freeze_environment', { environment: 'prd', reason: 'black friday' }],
    [
      'freeze prd “release weekend” until 2026-12-28T08:00Z',
      'freeze_environment',
      { environment: 'prd', reason: 'release weekend', until: '2026-12-28T08:00Z' },
    ],
    [
      'freeze tst "db migration" until 2026-12-28 08:00',
      'freeze_environment',
      { environment: 'tst', reason: 'db migration', until: '2026-12-28T08:00' },
    ],
    ['unfreeze prd', 'unfreeze_environment', { environment: 'prd' }],
    ['emergency rollback all services in prd', 'emergency_rollback', { env: 'prd' }],
    ['emergency roll back prd', 'emergency_rollback', { env: 'prd' }],
    ['emergency rollback canaries in prd', 'emergency_rollback', { env: 'prd', scope: 'canaries' }],
    [
      'emergency rollback every service in dev because checkout is down',
      'emergency_rollback',
      { env: 'dev', reason: 'checkout is down' },
    ],
    ['status of dev, please', 'get_status', { env: 'dev' }],
    ['what is wrong with prd?', 'diagnose_service', { env: 'prd' }],
    ['what is live in prd', 'get_status', { env: 'prd' }],
  ])('"%s" → %s %o', (text, name, input) => {
    const parsed = planner.parse(text);
    expect(parsed).toEqual({ call: { name, input } });
    typedOnly(text, parsed);
  });

  it.each<[string, RegExp]>([
    // Unknown names: refused with the valid ones, never replaced by the default.
    ['rollback payments in dev', /^There is no service "payments"\. Services: checkout, catalog\.$/],
    ['deploy 1.3.0 to dev payments', /^There is no service "payments"\. Services: checkout, catalog\.$/],
    ['deploy payments 1.3.0 to dev', /^There is no service "payments"\./],
    ['deploy 1.3.0 to qa', /^There is no environment "qa"\. Environments: dev, tst, prd\.$/],
    ['status of staging2', /^There is no environment "staging2"\. Environments: dev, tst, prd\.$/],
    ['rollback payments', /^There is no environment or service "payments"\. Environments: dev, tst, prd\./],
    ['promote 1.3.0 to qa', /^There is no environment "qa"\./],
    ['promote 1.3.0 from qa to prd', /^There is no environment "qa"\./],
    ['unfreeze prd checkout now please', /^Say it as "unfreeze <env>"/],
    // Versions that are not clean image tags: refused before anything is asked.
    ['deploy 1.9.9; rm -rf / to dev', /^"1\.9\.9;" is not a valid version: an image tag is/],
    ['deploy 1.3.0$(reboot) to dev', /^"1\.3\.0\$\(reboot\)" is not a valid version/],
    ['deploy 1.3.0|sh to dev', /is not a valid version/],
    ['deploy 1.3.0`id` to dev', /is not a valid version/],
    ['deploy 1.3.0&& to dev', /is not a valid version/],
    ['rollback prd to 1.2.0>out', /^"1\.2\.0>out" is not a valid version/],
    ['promote 1.3.0/../x to prd', /is not a valid version/],
    [`deploy ${'1'.repeat(129)} to dev`, /is not a valid version/],
    ['deploy 1.3.0\u202e to dev', /^The request contains an invisible character \(U\+202E: /],
    ['deploy 1.3.0\u200b to dev', /invisible character \(U\+200B/],
    ['deploy 1.3.0\u0007 to dev', /invisible character \(U\+0007/],
    ['rollback prd\u2066 because x', /invisible character \(U\+2066/],
    ['deploy 1.3.0 1.4.0 to dev', /^One version at a time: the request names "1\.3\.0" and "1\.4\.0"\.$/],
    ['deploy 1.3.0 to dev and prd', /^There is no service "and"|One environment at a time/],
    ['deploy 1.3.0 to dev && rollback prd', /I do not understand "&&"/],
    ['deploy 1.3.0 to dev; rollback prd', /I do not understand "dev;"|no environment "dev;"/],
    ['status of dev then deploy 1.3.0 to prd', /One command at a time|There is no service "then"/],
    ['deploy 1.3.0 to dev rollback', /^One command at a time: .* \("rollback"\)\.$/],
    ['emergency rollback checkout in prd', /for checkout alone say "rollback checkout in prd"/],
    ['emergency deploy prd', /^Say it as "emergency rollback all services in <env>"/],
    ['freeze prd', /^Say it as "freeze <env> "reason" \[until <ISO date\/time>\]"/],
    ['freeze prd "x" until tomorrow', /^"tomorrow" is not an ISO date or time/],
    ['freeze prd "x" until 2026-13-45', /is not an ISO date or time/],
    ['rollback dev please now immediately', /There is no service "immediately"/],
    ['abort prd &&', /^I do not understand "&&" in "abort prd &&"; nothing was done\.$/],
    ['stop dev | tee', /^I do not understand "\|"/],
    ['cancel', /^Which rollout\? Say "cancel <env> \[service\]"/],
    ['pause prd and deploy 1.3.0', /^There is no service "and"|acts on the rollout running in prd/],
  ])('refuses "%s"', (text, expected) => {
    expect(refusal(planner.parse(text))).toMatch(expected);
  });

  it.each<[string, string]>([
    ['staus of dev', 'Did you mean `status of dev`?'],
    ['deplyo 1.3.1 to dev', 'Did you mean `deploy 1.3.1 to dev`?'],
    ['rollbak prd', 'Did you mean `rollback prd`?'],
    ['abrot prd', 'Did you mean `abort prd`?'],
    ['unfreze prd', 'Did you mean `unfreeze prd`?'],
    ['diagnoes prd', 'Did you mean `diagnose prd`?'],
    ['histroy of prd', 'Did you mean `history of prd`?'],
    [
      'status of dve',
      'There is no environment "dve". Environments: dev, tst, prd. Did you mean `status of dev`?',
    ],
    [
      'deploy 1.3.0 to prd2',
      'There is no environment "prd2". Environments: dev, tst, prd. Did you mean `deploy 1.3.0 to prd`?',
    ],
    [
      'rollback chekout in prd',
      'There is no service "chekout". Services: checkout, catalog. Did you mean `rollback checkout in prd`?',
    ],
  ])('answers the near miss "%s" with one line, acting on nothing', async (text, line) => {
    expect(refusal(planner.parse(text))).toBe(line);
    const turn = await planner.plan({
      messages: [{ role: 'user', content: [{ type: 'text', text }] }],
      tools: [],
    });
    expect(turn).toEqual({ text: line, toolCalls: [], stop: 'end_turn', refused: true });
  });

  it.each([
    'deploy 1.3.0 to dev',
    'rollback catalog in dev',
    'undo the last deploy in dev',
    'promote 1.3.0 from tst to prd',
    'status of dev',
    'is prd healthy',
    'diagnose prd',
    'unfreeze prd',
    'emergency rollback all services in prd',
    'show deployment history for prd',
    'show deployment metrics for last 7 days',
  ])('acts on nothing when a word it does not know is added anywhere to "%s"', (command) => {
    const words = command.split(' ');
    for (const extra of ['payments', 'qa', 'prd2', '&&', '|', 'rm', '-rf', '$(id)', '`id`', 'x;']) {
      for (let at = 1; at <= words.length; at++) {
        const text = [...words.slice(0, at), extra, ...words.slice(at)].join(' ');
        expect(planner.parse(text), text).not.toHaveProperty('call');
      }
    }
  });

  it('keeps the whole help for a request it cannot place at all, and marks "help" as an answer', async () => {
    const plan = (text: string) =>
      planner.plan({ messages: [{ role: 'user', content: [{ type: 'text', text }] }], tools: [] });
    const lost = await plan('make me a sandwich');
    const help = await plan('help');
    expect(lost.refused).toBe(true);
    expect(lost.text).toMatch(/^I did not understand "make me a sandwich"\.\n\nI run blue\/green releases/);
    expect(help.refused).toBeUndefined();
    expect(help.text).toContain('emergency rollback all services in prd');
  });
});

describe('offline lexer', () => {
  it.each([
    ['staus', 'status', 1],
    ['deplyo', 'deploy', 1],
    ['prd', 'prd', 0],
    ['rollbak', 'rollback', 1],
    ['abc', 'xyz', 3],
  ])('edit distance %s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('finds the nearest word, the first of equally near ones, and none for a known word or a far one', () => {
    expect(nearest('staus', ['status', 'stats'])).toBe('status');
    expect(nearest('staus', ['stats', 'status'])).toBe('stats');
    expect(nearest('prt', ['tst', 'prd'])).toBe('prd');
    expect(nearest('tst', ['dev', 'tst', 'prd'])).toBeUndefined();
    expect(nearest('sandwich', ['status', 'deploy'])).toBeUndefined();
    expect(nearest('1.3.0', ['1.3.1'])).toBeUndefined();
  });

  it('keeps the case and the punctuation inside a word, dropping only sentence punctuation at its end', () => {
    expect(tokenize('<@U0J> Deploy 1.3.0-RC1 to dev, please!').map((t) => t.raw)).toEqual([
      'Deploy',
      '1.3.0-RC1',
      'to',
      'dev',
    ]);
    expect(tokenize('deploy 1.9.9; to dev').map((t) => t.raw)).toEqual(['deploy', '1.9.9;', 'to', 'dev']);
  });
});
