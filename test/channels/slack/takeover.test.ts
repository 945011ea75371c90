import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSlackApi } from '../../../src/channels/slack/api.js';
import { Decisions } from '../../../src/channels/slack/decisions.js';
import { SlackInteraction } from '../../../src/channels/slack/interaction.js';
import { ProgressTakeover } from '../../../src/channels/slack/takeover.js';
import type { RolloutEvent } from '../../../src/rollout/events.js';
import { SqliteStore } from '../../../src/store/sqlite.js';
import { buttonOf, startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { actor, sandboxConfig } from '../../policies/helpers.js';
import { deployment, tempDir, type TempDir } from '../../store/helpers.js';

const config = sandboxConfig();
const where = { channel: 'C0JARVISCI', threadTs: '1700000000.000100' };

describe('a progress message finished by the replica that adopted its rollout', () => {
  let slack: FakeSlack;
  let dir: TempDir;
  let poster: SqliteStore;
  let adopter: SqliteStore;
  const api = () =>
    new WebSlackApi(
      new webApi.WebClient('xoxb-test', {
        slackApiUrl: slack.url,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      }),
    );

  beforeEach(async () => {
    slack = await startFakeSlack();
    dir = tempDir();
    poster = new SqliteStore({ file: dir.file(), busyTimeoutMs: 10_000 });
    adopter = new SqliteStore({ file: dir.file(), busyTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    await Promise.all([poster.close(), adopter.close()]);
    await slack.close();
    dir.cleanup();
  });

  it('records where the message is once posted, and edits that message to the end, waiting out a 429', async () => {
    // Arrange: one replica shows a rollout at its first step, then is gone.
    const d = await poster.startDeployment(deployment({ env: 'dev', version: '1.3.2', startedAt: 1_000 }));
    const io = new SlackInteraction({
      api: api(),
      decisions: new Decisions({ api: api(), ttlMs: 1000 }),
      config,
      where,
      requester: actor('alice', 'deployer', { channel: 'slack' }),
      progressIntervalMs: 10,
      onProgressPosted: (id, location) => poster.putProgressMessage(id, location, 1_500),
    });
    const event: RolloutEvent = {
      env: 'dev',
      service: 'checkout',
      deploymentId: d.id,
      kind: 'weights',
      step: 25,
      stepIndex: 1,
      steps: 4,
      weights: { blue: 75, green: 25 },
      newColour: 'green',
    };
    io.progress(event);
    await io.settled();
    const ended = await adopter.finishDeployment(d.id, 'ABORTED', 'its lease lapsed during shift', 61_000);
    slack.rateLimit('chat.update', 1);

    // Act
    const finished = await new ProgressTakeover({ api: api(), store: adopter }).finish(ended);

    // Assert
    const [posted] = slack.callsOf('chat.postMessage');
    const location = await adopter.progressMessage(d.id);
    expect(location).toEqual({ ...where, ts: posted!.response?.ts, title: undefined });
    expect(finished).toBe(true);
    expect(slack.callsOf('chat.update').map((c) => c.params.ts)).toEqual([location!.ts, location!.ts]);
    const shown = slack.messages.get(location!.ts)!;
    expect(shown.text).toBe('ABORTED: dev/checkout 1.3.2');
    expect(JSON.stringify(shown.blocks)).toContain('its lease lapsed during shift');
    expect(buttonOf(shown, 'jarvis_stop')).toBeUndefined();
    const told = slack.callsOf('chat.postMessage')[1]!;
    expect(told.params.thread_ts).toBe(where.threadTs);
    expect(String(told.params.text)).toMatch(
      /^:octagonal_sign: \*ABORTED\*: checkout 1\.3\.2 in dev after 1m 0s/,
    );
  });

  it('leaves Slack alone for a rollout whose message was never recorded, or that still runs', async () => {
    // Arrange
    const running = await poster.startDeployment(deployment({ env: 'dev' }));
    await poster.putProgressMessage(running.id, { ...where, ts: '1.1', title: undefined }, 1_000);
    const other = await poster.startDeployment(deployment({ env: 'tst' }));
    const ended = await adopter.finishDeployment(other.id, 'ABORTED', 'adopted', 2_000);
    const takeover = new ProgressTakeover({ api: api(), store: adopter });

    // Act
    const results = [await takeover.finish(running), await takeover.finish(ended)];

    // Assert
    expect(results).toEqual([false, false]);
    expect(slack.calls).toEqual([]);
  });
});
