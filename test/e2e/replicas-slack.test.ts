import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonOf, type SlackCall } from '../helpers/fake-slack.js';
import { startReplicaWorld, until, type Replica, type ReplicaWorld } from '../helpers/replicas.js';

const TIME_SCALE = 60;
const VIEWER = 'U0VERA';

/**
 * prd wants one approval and no MFA (to keep the test short); everyone is a deployer but VIEWER. The two
 * replicas take Slack's requests as Slack hands them out: any press to either.
 */
function oneApprovalInPrd(config: Record<string, unknown>): void {
  (config.access as { users: Record<string, string> }).users = { [VIEWER]: 'viewer' };
  const prd = (config.environments as Record<string, { policy: Record<string, unknown> }>).prd!;
  prd.policy = {
    ...prd.policy,
    requireMfa: false,
    requirePreviousEnvSuccess: false,
    approvals: { required: 1, ttlSeconds: 600 },
  };
}

describe('Slack approvals and progress messages across two jarvis serve replicas', () => {
  let world: ReplicaWorld;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    world = await startReplicaWorld(TIME_SCALE, { configure: oneApprovalInPrd });
    [a, b] = await Promise.all([world.start('a'), world.start('b')]);
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  }, 60_000);

  /** The question with `actionId` buttons posted in `thread`; for approvals, once every replica can read it. */
  const questionIn = async (thread: string, actionId: string): Promise<SlackCall> => {
    const call = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        buttonOf(c, actionId) !== undefined,
      30_000,
    );
    if (actionId === 'jarvis_approve') {
      const id = buttonOf(call, actionId)!.value;
      await until(() => world.store.approvalQuestion(id), Boolean, 10_000, 'the question in the store');
    }
    return call;
  };
  const ephemeralTo = (user: string) =>
    world.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === user, 10_000);
  const shown = (call: SlackCall) =>
    JSON.stringify(world.slack.messages.get(String(call.response?.ts))?.blocks);
  const auditOf = async (user: string, outcome: string) =>
    (await world.store.listAudit({ actor: user, limit: 200 })).filter(
      (e) => e.tool === 'deploy_service' && e.outcome === outcome,
    );

  it('lets a request replica A runs go on when its approval is pressed on replica B, auditing the approval once', async () => {
    // Arrange: A asks for the approval.
    const thread = await a.say('U0ALICE', 'deploy 1.3.0 to prd');
    const question = await questionIn(thread, 'jarvis_approve');

    // Act: Slack hands the press to B; the confirmation A then asks is answered on A.
    const pressed = await b.press('U0BOB', question, 'jarvis_approve');
    const confirm = await questionIn(thread, 'jarvis_confirm');
    await a.press('U0ALICE', confirm, 'jarvis_confirm');
    // The outcome: the answer message, posted or edited to the release's result.
    await world.slack.waitFor(
      (c) =>
        (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
        /Deployment of checkout 1\.3\.0 to prd succeeded/.test(String(c.params.text)),
      90_000,
    );

    // Assert
    expect(pressed).toBe(200);
    expect(shown(question)).toContain('Approved by <@U0BOB>');
    expect(
      buttonOf(world.slack.messages.get(String(question.response?.ts))!, 'jarvis_approve'),
    ).toBeUndefined();
    const approved = await auditOf('U0ALICE', 'approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]!.detail).toMatchObject({ requester: 'U0ALICE', approvers: ['U0BOB'] });
    const ran = await auditOf('U0ALICE', 'ok');
    expect(ran.map((e) => e.detail?.approvers)).toEqual([['U0BOB']]);
    const [release] = await world.store.listDeployments({ env: 'prd', service: 'checkout', limit: 1 });
    expect(release).toMatchObject({ version: '1.3.0', status: 'SUCCESS', actor: 'U0ALICE' });
  }, 120_000);

  it('refuses on replica B the requester and a viewer, and a rejection pressed on B ends the wait on A', async () => {
    // Arrange
    const thread = await a.say('U0ALICE', 'deploy 1.3.1 to prd');
    const question = await questionIn(thread, 'jarvis_approve');
    const id = buttonOf(question, 'jarvis_approve')!.value;

    // Act
    await b.press('U0ALICE', question, 'jarvis_approve');
    const self = await ephemeralTo('U0ALICE');
    await b.press(VIEWER, question, 'jarvis_approve');
    const viewer = await ephemeralTo(VIEWER);
    await b.press('U0CAROL', question, 'jarvis_reject');
    const declined = await until(
      () => auditOf('U0ALICE', 'declined'),
      (rows) => rows.length > 0,
      15_000,
      'the declined request in the audit log',
    );

    // Assert
    expect(String(self.params.text)).toMatch(/^You cannot answer this: U0ALICE asked for this change/);
    expect(String(viewer.params.text)).toMatch(/^You cannot answer this: U0VERA is viewer/);
    expect(declined[0]!.detail).toMatchObject({ code: 'NOT_APPROVED', requester: 'U0ALICE' });
    expect(String(declined[0]!.detail?.reason)).toContain('U0CAROL did not approve');
    expect(shown(question)).toContain('Rejected by <@U0CAROL>');
    const asked = await world.store.approvalQuestion(id);
    expect(asked?.answer).toMatchObject({ kind: 'rejected', by: 'U0CAROL' });
    expect(await world.store.approvalsFor(asked!.planHash, Date.now())).toEqual([]);
    expect(await world.store.runningDeployments()).toEqual([]);
  }, 60_000);

  it('has the progress message of a replica SIGKILLed mid-rollout edited to its end by the adopting replica', async () => {
    // Arrange: A runs a release and shows its progress.
    const thread = await a.say('U0ALICE', 'deploy 1.3.2 to dev');
    await a.press('U0ALICE', await questionIn(thread, 'jarvis_confirm'), 'jarvis_confirm');
    const [deployment] = await until(
      () => world.store.runningDeployments(),
      (r) => r.length > 0,
      10_000,
      'a deployment',
    );
    const colour = deployment!.colour;
    await until(
      () => world.weights('dev', 'checkout')[colour],
      (w) => w > 0 && w < 100,
      30_000,
      'a shift step',
    );
    const where = await until(
      () => world.store.progressMessage(deployment!.id),
      Boolean,
      10_000,
      'where the progress message is',
    );
    const before = world.slack.messages.get(where!.ts)!;
    const title = JSON.stringify(before.blocks[0]);

    // Act: A dies; B's reconciler adopts the rollout.
    a.proc.child.kill('SIGKILL');
    const killedAt = Date.now();
    const healed = await until(
      () => world.store.getDeployment(deployment!.id),
      (d) => d?.status !== 'RUNNING',
      20_000,
      'the other replica to heal the rollout',
    );
    const edited = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.update' &&
        c.params.ts === where!.ts &&
        c.at > killedAt &&
        String(c.params.text).startsWith('ABORTED'),
      15_000,
    );
    const told = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        c.at > killedAt &&
        /\*ABORTED\*/.test(String(c.params.text)),
      15_000,
    );

    // Assert: the same message, in the same thread, now shows the end, without its buttons.
    expect(healed).toMatchObject({ status: 'ABORTED' });
    expect(where).toMatchObject({ channel: before.channel, threadTs: thread });
    expect(before.threadTs).toBe(thread);
    expect(edited.params.channel).toBe(before.channel);
    const after = world.slack.messages.get(where!.ts)!;
    expect(JSON.stringify(after.blocks[0])).toBe(
      title.replace(':arrows_counterclockwise:', ':octagonal_sign:'),
    );
    expect(JSON.stringify(after.blocks)).toContain('*ABORTED*');
    expect(JSON.stringify(after.blocks)).toContain('taken over by another Jarvis replica');
    expect(buttonOf(after, 'jarvis_stop')).toBeUndefined();
    expect(String(told.params.text)).toContain(`checkout 1.3.2 in dev`);
    expect(b.proc.child.exitCode).toBeNull();
  }, 90_000);
});
