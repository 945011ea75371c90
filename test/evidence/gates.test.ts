import { ECRClient } from '@aws-sdk/client-ecr';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJarvisError } from '../../src/errors.js';
import { EcrEvidence } from '../../src/evidence/ecr.js';
import { GitHubEvidence } from '../../src/evidence/github.js';
import type { EvidenceCheck } from '../../src/evidence/types.js';
import { SANDBOX_CREDENTIALS } from '@jarvis/sandbox';
import { quickRetries, REGION } from '../helpers/aws.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';
import {
  ACTORS,
  auditLog,
  recordDeployment,
  recordKnownGood,
  scriptedPerson,
  startKit,
  TIME_SCALE,
  type Kit,
} from '../e2e/helpers.js';

const CHECKOUT = { repositoryName: 'checkout', registryId: '123456789012', region: REGION };
const CI = { owner: 'shop', repo: 'checkout', tagPrefix: '', requiredChecks: [] as string[] };

/** The checks a refused deploy carried, from its FORBIDDEN error. */
async function refusal(promise: Promise<unknown>): Promise<{ message: string; checks: EvidenceCheck[] }> {
  try {
    await promise;
  } catch (err) {
    if (!isJarvisError(err)) throw err;
    expect(err.code).toBe('FORBIDDEN');
    return { message: err.message, checks: (err.details.facts?.checks ?? []) as EvidenceCheck[] };
  }
  throw new Error('the deploy was not refused');
}

describe('ECR evidence through the real ECR client against the sandbox', () => {
  let h: Harness;
  let ecr: EcrEvidence;

  beforeAll(async () => {
    h = await startHarness(TIME_SCALE);
    const client = new ECRClient({
      endpoint: h.jarvis.sandbox!.awsEndpoint,
      region: REGION,
      credentials: SANDBOX_CREDENTIALS,
      maxAttempts: 2,
      retryStrategy: quickRetries(2),
    });
    ecr = new EcrEvidence(() => client);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['1.3.0', true, 'checkout:1.3.0 in ECR (pushed ', true, /^No CRITICAL vulnerabilities$/],
    [
      '1.3.0-high-findings',
      true,
      'in ECR',
      true,
      /^No CRITICAL vulnerabilities; 2 HIGH \(CVE-2023-44487, CVE-2023-38545\)$/,
    ],
    [
      '1.3.0-vulnerable',
      true,
      'in ECR',
      false,
      /^1 CRITICAL \(CVE-2024-3094\) in checkout:1\.3\.0-vulnerable; also 1 HIGH/,
    ],
    ['1.3.0-unscanned', true, 'in ECR', false, /has no scan result \(ScanNotFoundException\)/],
  ])('%s: image ok %s, scan ok %s', async (version, imageOk, imageDetail, scanOk, scanDetail) => {
    // Act
    const report = await ecr.collect(CHECKOUT, version);

    // Assert
    const [image, scan] = report.checks;
    expect(image).toMatchObject({ name: 'image', ok: imageOk });
    expect(image?.detail).toContain(imageDetail);
    expect(scan).toMatchObject({ name: 'security scan', ok: scanOk });
    expect(scan?.detail).toMatch(scanDetail);
    expect(report.builtAt?.source).toBe('image pushed');
    expect(report.builtAt!.at).toBeLessThan(Date.now());
  });

  it('a tag that is not in the registry is a failed image check naming it, and no scan is claimed', async () => {
    // Act
    const report = await ecr.collect(CHECKOUT, '1.3.0-missing');

    // Assert
    expect(report.checks).toEqual([
      {
        name: 'image',
        ok: false,
        detail:
          'checkout:1.3.0-missing is not in ECR (ImageNotFoundException): push the image, or check the version',
      },
    ]);
    expect(report.builtAt).toBeUndefined();
  });

  it('an ECR that does not answer is a failed check saying what could not be checked', async () => {
    // Arrange
    h.jarvis.sandbox!.world.faults.set('ecr', { down: true });
    try {
      // Act
      const report = await ecr.collect(CHECKOUT, '1.3.0');

      // Assert
      expect(report.checks).toHaveLength(1);
      expect(report.checks[0]).toMatchObject({ name: 'image', ok: false });
      expect(report.checks[0]!.detail).toMatch(/^could not check whether checkout:1\.3\.0 is in ECR: /);
    } finally {
      h.jarvis.sandbox!.world.faults.clear('ecr');
    }
  });
});

describe('CI evidence through Octokit against the sandbox’s GitHub stand-in', () => {
  let h: Harness;
  let ci: GitHubEvidence;

  beforeAll(async () => {
    h = await startHarness(TIME_SCALE);
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    ci = new GitHubEvidence(
      () => Promise.resolve(new Octokit({ baseUrl: h.jarvis.sandbox!.githubUrl, log: quiet })),
      5000,
    );
  });
  afterAll(async () => {
    await h.close();
  });

  it('shows each check run and status of the tag’s commit as the seed does', async () => {
    // Act
    const report = await ci.collect(CI, '1.3.0');

    // Assert
    expect(report.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`)).toEqual([
      '✓ E2E tests: 48/48 passed',
      '✓ Integration tests: 156/156 passed',
      '✓ Performance tests: P99 < 100ms',
      '✓ ci/build: Image built and pushed',
    ]);
    expect(report.builtAt?.source).toBe('commit');
  });

  it('a failing check run fails, naming the check, its result and the commit', async () => {
    // Act
    const report = await ci.collect(CI, '1.3.0-failing-tests');

    // Assert
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.name).toBe('Integration tests');
    expect(failed[0]!.detail).toMatch(/^152\/156 passed, 4 failed, failure on [0-9a-f]{7}$/);
  });

  it('a version without a tag, and a required check that is not reported, are failed checks', async () => {
    // Act
    const untagged = await ci.collect(CI, '1.3.0-untagged');
    const required = await ci.collect({ ...CI, requiredChecks: ['Security review'] }, '1.3.0');

    // Assert
    expect(untagged.checks).toEqual([
      {
        name: 'CI checks',
        ok: false,
        detail: 'tag 1.3.0-untagged not found in shop/checkout: CI never built this version',
      },
    ]);
    expect(required.checks.at(-1)).toMatchObject({ name: 'Security review', ok: false });
    expect(required.checks.at(-1)!.detail).toMatch(/^required, but not reported on [0-9a-f]{7} \(1\.3\.0\)$/);
  });

  it('a GitHub that does not answer is a failed check saying what could not be checked', async () => {
    // Arrange
    h.jarvis.sandbox!.world.faults.set('github', { serverErrors: 10 });
    try {
      // Act
      const report = await ci.collect(CI, '1.3.0');

      // Assert
      expect(report.checks).toHaveLength(1);
      expect(report.checks[0]).toMatchObject({ name: 'CI checks', ok: false });
      expect(report.checks[0]!.detail).toMatch(
        /^could not check the CI checks of 1\.3\.0 in shop\/checkout: HTTP 502/,
      );
    } finally {
      h.jarvis.sandbox!.world.faults.clear('github');
    }
  });
});

describe('the release pre-checks refuse a version without its evidence, before anything is prepared', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(TIME_SCALE);
    await recordKnownGood(h.jarvis, 'tst');
    for (const version of [
      '1.3.0-missing',
      '1.3.0-vulnerable',
      '1.3.0-failing-tests',
      '1.3.0-high-findings',
    ]) {
      await recordDeployment(h.jarvis, { env: 'dev', version, status: 'SUCCESS' });
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['1.3.0-missing', 'image', /^checkout:1\.3\.0-missing is not in ECR \(ImageNotFoundException\)/],
    ['1.3.0-vulnerable', 'security scan', /^1 CRITICAL \(CVE-2024-3094\)/],
    ['1.3.0-failing-tests', 'Integration tests', /^152\/156 passed, 4 failed/],
  ])('%s is refused on its %s', async (version, name, detail) => {
    // Arrange
    const before = await h.jarvis.store.listDeployments({ env: 'tst', limit: 100 });
    const writes = h.jarvis.sandbox!.world.writes;

    // Act
    const { message, checks } = await refusal(
      h.jarvis.rollouts.deploy({ env: 'tst', service: 'checkout', version, actor: 'alice' }),
    );

    // Assert
    const failed = checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual([name]);
    expect(failed[0]!.detail).toMatch(detail);
    expect(message).toContain(`Pre-checks failed for checkout ${version} in tst: ${name}: `);
    // Nothing changed: no deployment recorded, no weight written, the standby keeps its version.
    expect(await h.jarvis.store.listDeployments({ env: 'tst', limit: 100 })).toEqual(before);
    expect(h.jarvis.sandbox!.world.writes).toBe(writes);
    expect(h.weights('tst', 'checkout')).toEqual({ blue: 100, green: 0 });
    expect(h.version('tst', 'checkout', 'green')).toBe('1.1.0');
    expect(await h.jarvis.store.getLock('tst/checkout')).toBeUndefined();
  });

  it('HIGH findings are shown and do not refuse: the release goes ahead and records when it was built', async () => {
    // Act
    const result = await h.jarvis.rollouts.deploy({
      env: 'tst',
      service: 'checkout',
      version: '1.3.0-high-findings',
      actor: 'alice',
    });

    // Assert
    expect(result.deployment.status).toBe('SUCCESS');
    const scan = result.checks.find((c) => c.name === 'security scan');
    expect(scan).toMatchObject({ ok: true });
    expect(scan!.detail).toMatch(/^No CRITICAL vulnerabilities; 2 HIGH/);
    expect(result.checks.find((c) => c.name === 'Integration tests')).toMatchObject({
      ok: true,
      detail: '156/156 passed',
    });
    const prepare = (await h.jarvis.store.journal(result.deployment.id)).find((e) => e.state === 'prepare');
    expect(prepare?.data.builtAt).toMatchObject({ source: 'commit' });
  });
});

describe('a conversation: evidence refusals come before any confirmation or code', () => {
  let kit: Kit;

  beforeAll(async () => {
    kit = await startKit({ knownGood: ['prd'] });
    await recordDeployment(kit.h.jarvis, { env: 'tst', version: '1.3.0-failing-tests', status: 'SUCCESS' });
  });
  afterAll(async () => {
    await kit.close();
  });

  it('"deploy 1.3.0-failing-tests to prd" is refused naming the failing check; nobody is asked for a code', async () => {
    // Arrange
    const person = scriptedPerson({ confirm: true });
    const writes = kit.h.jarvis.sandbox!.world.writes;

    // Act
    const turn = await kit.agent.turn('e', ACTORS.alice, 'deploy 1.3.0-failing-tests to prd', person);

    // Assert
    expect(turn.calls.map((c) => [c.tool, c.decision])).toEqual([['deploy_service', 'ask']]);
    expect(turn.text).toMatch(
      /^deploy_service failed \(FORBIDDEN\): Release evidence missing for checkout 1\.3\.0-failing-tests in prd: /,
    );
    expect(turn.text).toContain('Integration tests: 152/156 passed, 4 failed, failure on ');
    expect(person.confirmations).toEqual([]);
    expect(person.mfaPrompts).toEqual([]);
    expect(kit.h.jarvis.sandbox!.world.writes).toBe(writes);
    expect(await kit.h.jarvis.store.listDeployments({ env: 'prd', limit: 10 })).toHaveLength(1);
    const last = (await auditLog(kit.h.jarvis.store)).at(-1);
    expect(last).toMatchObject({ tool: 'deploy_service', outcome: 'refused' });
  });
});
