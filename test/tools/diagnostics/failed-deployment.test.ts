import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isJarvisError } from '../../../src/errors.js';
import { diagnosticsTool } from '../../../src/tools/diagnostics.js';
import type { Diagnosis } from '../../../src/tools/diagnostics/compose.js';
import { recordKnownGood } from '../../e2e/helpers.js';
import { platformOf, putVersion, toolContext } from '../../helpers/faults.js';
import { startHarness, type Harness } from '../../helpers/jarvis.js';

// "Deployment failed - how do I troubleshoot?": the diagnosis of the last failed deployment.

let h: Harness;

beforeEach(async () => {
  h = await startHarness(200);
});

afterEach(async () => {
  await h.close();
});

async function troubleshoot(
  deployment: 'last_failed' | number,
  env = 'dev',
): Promise<{ d: Diagnosis; text: string }> {
  const d = (await diagnosticsTool.run(toolContext(h.jarvis), {
    env,
    service: 'checkout',
    deployment,
  })) as Diagnosis;
  return { d, text: diagnosticsTool.render!(JSON.parse(JSON.stringify(d)))! };
}

describe('diagnose_service of the last failed deployment', () => {
  it('finds the last failed deployment in any environment when none is named, and says when there is none', async () => {
    // Arrange: nothing failed yet.
    const ctx = toolContext(h.jarvis);
    const none = await diagnosticsTool.run(ctx, { deployment: 'last_failed' }).catch((e: unknown) => e);
    const failed = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'catalog',
      version: '1.3.1-crashloop',
      actor: 'bob',
    });

    // Act
    const d = (await diagnosticsTool.run(ctx, { deployment: 'last_failed' })) as Diagnosis;

    // Assert
    expect(isJarvisError(none, 'NOT_FOUND')).toBe(true);
    expect((none as Error).message).toMatch(
      /^No deployment failed, rolled back or was aborted among the last \d+: there is nothing to troubleshoot/,
    );
    expect(d.findings[0]?.finding).toMatch(
      new RegExp(`^Deployment #${failed.deployment.id} of catalog 1\\.3\\.1-crashloop`),
    );
    expect(diagnosticsTool.render!(JSON.parse(JSON.stringify(d)))).toMatch(/^Diagnosis of catalog in dev/);
  });

  it('answers what failed, when, its cause and that there is nothing to roll back after a failed prepare', async () => {
    // Arrange: a crash-looping build fails while preparing; traffic never moved.
    await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'alice' });
    const failed = await h.jarvis.rollouts.deploy({
      env: 'dev',
      service: 'checkout',
      version: '1.3.1-crashloop',
      actor: 'bob',
    });
    expect(failed.deployment.status).toBe('FAILED');
    // Act
    const { d, text } = await troubleshoot('last_failed');
    // Assert
    const first = d.findings[0]!;
    expect(first).toMatchObject({ analyzer: 'failed-deployment', severity: 'warning', colour: 'blue' });
    expect(first.finding).toMatch(
      new RegExp(
        `^Deployment #${failed.deployment.id} of checkout 1\\.3\\.1-crashloop to blue ended FAILED at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC after \\d+ s: prepare failed: checkout-blue cannot become ready: CrashLoopBackOff: container app ends with exit code 1`,
      ),
    );
    expect(first.evidence).toContainEqual('ended in prepare');
    expect(first.next.jarvis).toBeUndefined();
    expect(first.next.step).toMatch(/nothing to roll back/);
    expect(text).toMatch(/^Diagnosis of checkout in dev/);
    expect(text).toContain('1. [WARNING] Deployment #');
  });

  it('offers the rollback when the failed version still serves traffic', async () => {
    // Arrange: 1.3.1-errors went live on green and was then marked failed (say, by a late analysis).
    await recordKnownGood(h.jarvis, 'prd');
    await putVersion(h.jarvis, 'prd', 'checkout', 'green', '1.3.1-errors');
    const { route, ports } = platformOf(h.jarvis, 'prd', 'checkout');
    await ports.workloads.waitForRollout(route.namespace, 'checkout-green', 'app', { timeoutMs: 600_000 });
    await ports.traffic.setWeights(route, { blue: 0, green: 100 }, { blue: 100, green: 0 });
    const d0 = await h.jarvis.store.startDeployment({
      env: 'prd',
      service: 'checkout',
      version: '1.3.1-errors',
      colour: 'green',
      previousVersion: '1.2.0',
      previousColour: 'blue',
      strategy: 'blue-green',
      actor: 'carol',
      startedAt: h.jarvis.clock.now() - 60_000,
    });
    await h.jarvis.store.finishDeployment(d0.id, 'FAILED', 'abort failed: Throttling', h.jarvis.clock.now());
    // Act
    const { d } = await troubleshoot(d0.id, 'prd');
    // Assert
    expect(d.findings[0]).toMatchObject({
      analyzer: 'failed-deployment',
      severity: 'critical',
      colour: 'green',
    });
    expect(d.findings[0]!.next.jarvis).toBe('rollback prd');
  });

  it('says when no deployment failed', async () => {
    const { d } = await troubleshoot('last_failed');
    expect(d.findings[0]).toMatchObject({
      analyzer: 'failed-deployment',
      severity: 'info',
      finding: 'No failed deployment of checkout in dev is recorded.',
    });
  });

  it('refuses a deployment of another environment, naming it', async () => {
    const d0 = await h.jarvis.store.startDeployment({
      env: 'tst',
      service: 'checkout',
      version: '1.3.0',
      colour: 'green',
      strategy: 'blue-green',
      actor: 'carol',
      startedAt: h.jarvis.clock.now(),
    });
    const err = await troubleshoot(d0.id).catch((e: unknown) => e);
    expect(isJarvisError(err, 'INVALID_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(`^Deployment #${d0.id} is of checkout in tst, not of checkout in dev`),
    );
  });
});
