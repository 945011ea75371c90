import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storedQuestions } from '../../../src/agent/approval-questions.js';
import { collectApprovals } from '../../../src/agent/approvals.js';
import { WebSlackApi } from '../../../src/channels/slack/api.js';
import { Decisions, type Click } from '../../../src/channels/slack/decisions.js';
import { SlackInteraction } from '../../../src/channels/slack/interaction.js';
import { approvalRule } from '../../../src/policies/release.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import { buttonOf, startFakeSlack, type FakeSlack, type SlackCall } from '../../helpers/fake-slack.js';
import { actor, configWith } from '../../policies/helpers.js';
import { tempDir, type TempDir } from '../../store/helpers.js';

const config = configWith([
  [['access', 'users'], { alice: 'deployer', bob: 'deployer', carol: 'deployer', vera: 'viewer' }],
  [['environments', 'prd', 'policy', 'approvals'], { required: 1, ttlSeconds: 600 }],
]);
const where = { channel: 'C0JARVISCI', threadTs: '1700000000.000100' };
const alice = actor('alice', 'deployer', { channel: 'slack' });
const SUMMARY = 'deploy checkout 1.3.0 to prd';

/** One replica: its own store on the shared database, its own Slack client, its own open questions. */
interface Replica {
  store: SqliteStore;
  decisions: Decisions;
  api: WebSlackApi;
}

describe('an approval question asked by one replica and answered through another', () => {
  let slack: FakeSlack;
  let dir: TempDir;
  let a: Replica;
  let b: Replica;

  const replica = (ttlMs: number): Replica => {
    const store = new SqliteStore({ file: dir.file(), busyTimeoutMs: 10_000 });
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
    });
    const api = new WebSlackApi(client);
    const decisions = new Decisions({ api, ttlMs, stored: storedQuestions({ config, store }) });
    return { store, decisions, api };
  };
  const start = (ttlMs = 60_000) => {
    a = replica(ttlMs);
    b = replica(ttlMs);
  };
  /** A asks for approval of the plan `hash`; resolves with what collectApprovals resolves with. */
  const ask = (hash = 'plan-1') =>
    collectApprovals({
      store: a.store,
      io: new SlackInteraction({
        api: a.api,
        decisions: a.decisions,
        config,
        where,
        requester: alice,
        progressIntervalMs: 50,
      }),
      requester: alice,
      tool: 'deploy_service',
      summary: SUMMARY,
      rule: approvalRule(config, 'prd', 'checkout', 'alice')!,
      hash,
      wallNow: Date.now,
      pollMs: 50,
    });
  /** The question A posted, once B can read it from the store. */
  const asked = async (except: readonly SlackCall[] = []): Promise<SlackCall> => {
    const call = await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' && buttonOf(c, 'jarvis_approve') !== undefined && !except.includes(c),
    );
    const id = buttonOf(call, 'jarvis_approve')!.value;
    for (let i = 0; !(await b.store.approvalQuestion(id)); i++) {
      if (i > 100) throw new Error('the question was never recorded');
      await new Promise((r) => setTimeout(r, 20));
    }
    return call;
  };
  const click = (
    call: SlackCall,
    action: 'approve' | 'reject',
    user: string,
    extra: Partial<Click> = {},
  ) => ({
    action,
    id: buttonOf(call, `jarvis_${action}`)!.value,
    user,
    channel: where.channel,
    messageTs: String(call.response?.ts),
    triggerId: undefined,
    ...extra,
  });
  const ephemeralsTo = (user: string) =>
    slack
      .callsOf('chat.postEphemeral')
      .filter((c) => c.params.user === user)
      .map((c) => String(c.params.text));
  const updatesOf = (call: SlackCall) =>
    slack.callsOf('chat.update').filter((c) => c.params.ts === call.response?.ts);

  beforeEach(async () => {
    slack = await startFakeSlack();
    dir = tempDir();
  });
  afterEach(async () => {
    a.decisions.close();
    b.decisions.close();
    await Promise.all([a.store.close(), b.store.close()]);
    await slack.close();
    dir.cleanup();
  });

  it('counts an approval pressed on the other replica for the plan asked, once, and stops waiting', async () => {
    // Arrange
    start();
    const result = ask();
    const question = await asked();

    // Act
    await b.decisions.press(click(question, 'approve', 'bob'));
    const approved = await result;

    // Assert
    expect(approved).toEqual({ approvers: ['bob'] });
    expect(a.decisions.size).toBe(0);
    expect((await a.store.approvalsFor('plan-1', Date.now())).map((x) => x.approver)).toEqual(['bob']);
    const shown = updatesOf(question);
    expect(shown).toHaveLength(1);
    expect(JSON.stringify(shown[0]!.params.blocks)).toContain('Approved by <@bob>');
    expect(buttonOf(shown[0]!, 'jarvis_approve')).toBeUndefined();
  });

  it('refuses on the other replica the requester, a viewer and a button of another message, then takes a rejection', async () => {
    // Arrange
    start();
    const result = ask();
    const question = await asked();

    // Act
    await b.decisions.press(click(question, 'approve', 'alice'));
    await b.decisions.press(click(question, 'approve', 'vera'));
    await b.decisions.press(click(question, 'approve', 'carol', { messageTs: '1.2' }));
    await b.decisions.press(click(question, 'reject', 'bob'));
    const declined = await result;
    await b.decisions.press(click(question, 'approve', 'carol'));

    // Assert
    expect(declined).toMatchObject({ outcome: 'declined', code: 'NOT_APPROVED' });
    expect((declined as { message: string }).message).toContain('bob did not approve');
    expect(ephemeralsTo('alice')).toEqual([
      expect.stringMatching(/^You cannot answer this: alice asked for this change/),
    ]);
    expect(ephemeralsTo('vera')).toEqual([expect.stringMatching(/^You cannot answer this: vera is viewer/)]);
    expect(ephemeralsTo('carol')).toEqual([
      'That button does not belong to this request: nothing was done.',
      'That request was already answered by <@bob> (rejected): nothing more was done.',
    ]);
    expect(await a.store.approvalsFor('plan-1', Date.now())).toEqual([]);
    expect(JSON.stringify(updatesOf(question).at(-1)?.params.blocks)).toContain('Rejected by <@bob>');
  });

  it('lets one of two people pressing on both replicas at once answer, the other being told', async () => {
    // Arrange
    start();
    const result = ask();
    const question = await asked();

    // Act
    await Promise.all([
      a.decisions.press(click(question, 'approve', 'bob')),
      b.decisions.press(click(question, 'approve', 'carol')),
    ]);
    const approved = await result;

    // Assert
    expect(approved).toMatchObject({ approvers: [expect.stringMatching(/^(bob|carol)$/)] });
    const winner = (approved as { approvers: string[] }).approvers[0]!;
    const loser = winner === 'bob' ? 'carol' : 'bob';
    expect(ephemeralsTo(loser)).toEqual([
      `That request was already answered by <@${winner}> (approved): nothing more was done.`,
    ]);
    expect(ephemeralsTo(winner)).toEqual([]);
    expect(await a.store.approvalsFor('plan-1', Date.now())).toHaveLength(1);
  });

  it('withdraws a question nobody answered in time: a later press on the other replica changes nothing', async () => {
    // Arrange
    start(300);
    const result = ask();
    const question = await asked();

    // Act
    const expired = await result;
    await b.decisions.press(click(question, 'approve', 'bob'));

    // Assert
    expect(expired).toMatchObject({ outcome: 'declined', code: 'NOT_APPROVED' });
    expect(ephemeralsTo('bob')).toEqual([
      'That request was already answered or has expired: nothing will happen. Ask me again if it is still needed.',
    ]);
    const id = buttonOf(question, 'jarvis_approve')!.value;
    expect((await b.store.approvalQuestion(id))?.answer).toMatchObject({ kind: 'withdrawn' });
    expect(await a.store.approvalsFor('plan-1', Date.now())).toEqual([]);
  });
});
