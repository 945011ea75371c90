import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent/factory.js';
import { IncidentResponder, type IncidentResponderDeps } from '../../src/agent/incidents.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { PagerDutyClient, parseWebhookEvent, type PagerDutyEvent } from '../../src/platform/pagerduty.js';
import { startFakePagerDuty, type FakePagerDuty } from '../helpers/fake-pagerduty.js';
import { breakGreen } from '../helpers/faults.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';
import { annotated, triggered } from '../helpers/pagerduty-events.js';

let h: Harness;
let pd: FakePagerDuty;
let deps: IncidentResponderDeps;

beforeAll(async () => {
  h = await startHarness(200);
  pd = await startFakePagerDuty();
  await breakGreen(
    h.jarvis,
    '1.3.1-missing',
    (p) => p.reason === 'ImagePullBackOff' || p.reason === 'ErrImagePull',
  );
  const { agent } = createAgent(h.jarvis, {
    env: loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' }),
    sandbox: true,
  });
  deps = {
    agent,
    config: h.jarvis.config,
    store: h.jarvis.store,
    clock: h.jarvis.clock,
    notes: new PagerDutyClient({ token: pd.token, from: pd.from, baseUrl: pd.url, retryBaseMs: 1 }),
  };
});

afterAll(async () => {
  await pd.close();
  await h.close();
});

function event(payload: unknown): PagerDutyEvent {
  return parseWebhookEvent(JSON.stringify(payload))!;
}

describe('IncidentResponder', () => {
  it('says first that a rollout of the service is running, then gives the findings', async () => {
    // Arrange
    const responder = new IncidentResponder(deps);
    const rollout = await h.jarvis.store.startDeployment({
      env: 'tst',
      service: 'checkout',
      version: '1.3.1',
      colour: 'green',
      strategy: 'blue-green',
      actor: 'alice',
      startedAt: h.jarvis.clock.now(),
    });
    // Act
    const outcome = await responder.handle(event(triggered('PINC101', 'PCHKTST')));
    // Assert
    expect(outcome).toMatchObject({ status: 'diagnosed', env: 'tst', service: 'checkout' });
    const text = pd.notes.find((n) => n.incidentId === 'PINC101')!.content;
    const [, second, third] = text.split('\n\n');
    expect(second).toMatch(
      new RegExp(
        `^A rollout of checkout in tst is running: deployment #${rollout.id}, 1\\.3\\.1 to green, started by alice`,
      ),
    );
    expect(third).toMatch(/^Diagnosis of checkout in tst/);
    await h.jarvis.store.finishDeployment(rollout.id, 'ABORTED', 'test over', h.jarvis.clock.now());
  });

  it('names the image that cannot be pulled as the top finding', async () => {
    const outcome = await new IncidentResponder(deps).handle(event(triggered('PINC102', 'PCHKPRD')));

    expect(outcome.status).toBe('diagnosed');
    const note = pd.notes.find((n) => n.incidentId === 'PINC102')!.content;
    expect(note).toMatch(
      /1\. \[WARNING\] 1 pod of checkout-green \(1\.3\.1-missing, standby\) cannot pull image/,
    );
    // Lined up with releases, and no advice about a deployment that never happened.
    expect(note).toContain(
      'No release of checkout in prd in the last 2 h; the cause is probably not a deploy.',
    );
    expect(note).not.toMatch(/if the new version causes them, roll back/);
  });

  it('leaves incidents of unmapped PagerDuty services alone, and records that it did', async () => {
    // Act
    const outcome = await new IncidentResponder(deps).handle(event(triggered('PINC103', 'PUNKNOWN')));
    // Assert
    expect(outcome).toEqual({
      status: 'ignored',
      reason: 'PagerDuty service PUNKNOWN is not mapped in pagerduty.services',
    });
    expect(pd.notes.some((n) => n.incidentId === 'PINC103')).toBe(false);
    const [last] = await h.jarvis.store.listAudit({ actor: 'pagerduty', limit: 1 });
    expect(last).toMatchObject({ tool: 'pagerduty.incident', outcome: 'ignored' });
  });

  it('recognises the annotation its own note causes, and acts on no annotation', async () => {
    // Arrange
    const responder = new IncidentResponder(deps);
    const posted = await responder.handle(event(triggered('PINC104', 'PCHKPRD')));
    const noteId = posted.status === 'diagnosed' ? posted.noteId! : '';
    const before = pd.notes.length;
    // Act
    const own = await responder.handle(event(annotated('PINC104', noteId, 'whatever PagerDuty echoes')));
    const human = await responder.handle(
      event(annotated('PINC104', 'PNOTE999', 'diagnose prd checkout again')),
    );
    // Assert
    expect(own).toEqual({ status: 'ignored', reason: 'own note' });
    expect(human).toEqual({ status: 'ignored', reason: 'notes are not acted on' });
    expect(pd.notes).toHaveLength(before);
  });

  it('still announces and audits the findings when PagerDuty refuses the note', async () => {
    // Arrange
    const announced: string[] = [];
    const responder = new IncidentResponder({
      ...deps,
      announce: (text) => {
        announced.push(text);
        return Promise.resolve();
      },
    });
    pd.failNext(3, 500);
    // Act
    const outcome = await responder.handle(event(triggered('PINC105', 'PCHKPRD')));
    // Assert
    expect(outcome).toMatchObject({ status: 'diagnosed', noteId: undefined, announced: true });
    expect(announced[0]).toMatch(/cannot pull image/);
    const [last] = await h.jarvis.store.listAudit({ actor: 'pagerduty', limit: 1 });
    expect(last).toMatchObject({
      outcome: 'ok',
      detail: { incident: 'PINC105', note: null, announced: true },
    });
  });
});

describe('the incident lined up with releases', () => {
  it('says no release moved traffic before the incident, then, after a release, how long after its last shift it began', async () => {
    // Arrange: an incident before any release of checkout in tst.
    const responder = new IncidentResponder(deps);
    const before = new Date();
    await responder.handle(event(triggered('PINC201', 'PCHKTST', 'checkout 5xx', { occurredAt: before })));
    // A release of 1.3.0 through dev to tst, after that incident.
    await h.jarvis.rollouts.deploy({ env: 'dev', service: 'checkout', version: '1.3.0', actor: 'alice' });
    const release = await h.jarvis.rollouts.deploy({
      env: 'tst',
      service: 'checkout',
      version: '1.3.0',
      actor: 'alice',
    });
    expect(release.deployment.status).toBe('SUCCESS');

    // Act: an incident now, and the first incident's event again as a new one that began before the release.
    await responder.handle(
      event(triggered('PINC202', 'PCHKTST', 'checkout 5xx', { occurredAt: new Date() })),
    );
    await responder.handle(event(triggered('PINC203', 'PCHKTST', 'checkout 5xx', { occurredAt: before })));

    // Assert: the first paragraph of each note says it, by wall-clock time.
    const first = (id: string) => pd.notes.find((n) => n.incidentId === id)!.content.split('\n\n')[0]!;
    const noRelease =
      'No release of checkout in tst moved traffic in the 2 h before the incident; the cause is probably not a deploy.';
    expect(first('PINC201').split('\n')[1]).toBe(noRelease);
    expect(first('PINC202').split('\n')[1]).toMatch(
      new RegExp(
        `^The incident began \\d+ s after the shift to 100 % of checkout 1\\.3\\.0 \\(deployment #${release.deployment.id}, SUCCESS\\)\\.$`,
      ),
    );
    expect(first('PINC203').split('\n')[1]).toBe(noRelease);
  });
});
