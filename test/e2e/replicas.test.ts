import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText, type SlackCall } from '../helpers/fake-slack.js';
import { startReplicaWorld, until, type Replica, type ReplicaWorld } from '../helpers/replicas.js';

const TIME_SCALE = 60;

describe('two jarvis serve replicas on one PostgreSQL', () => {
  let world: ReplicaWorld;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    world = await startReplicaWorld(TIME_SCALE);
    [a, b] = await Promise.all([world.start('a'), world.start('b')]);
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  }, 60_000);

  const inThread = (thread: string) => (c: SlackCall) =>
    (c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral' || c.method === 'chat.update') &&
    (c.params.thread_ts === thread || c.params.ts === thread);

  const confirmIn = (thread: string) =>
    world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        visibleText(c).includes('confirm this change'),
      20_000,
    );
  const said = (thread: string) => world.slack.calls.filter(inThread(thread)).map(visibleText).join('\n');

  const replicaOf = (pid: number | undefined) => [a, b].find((r) => r.pid === pid);

  it('runs one of two concurrent deploys, refuses the other naming the holder, and heals a SIGKILL of the runner from the other replica', async () => {
    // Arrange: two people ask two replicas for a deploy of one service at once.
    const [t1, t2] = await Promise.all([
      a.say('U0ALICE', 'deploy 1.3.0 to dev'),
      b.say('U0BOB', 'deploy 1.3.1 to dev'),
    ]);
    const [c1, c2] = await Promise.all([confirmIn(t1), confirmIn(t2)]);

    // Act 1: both confirm at the same moment.
    const pressed = await Promise.all([
      a.press('U0ALICE', c1, 'jarvis_confirm'),
      b.press('U0BOB', c2, 'jarvis_confirm'),
    ]);
    const busy = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        [t1, t2].includes(String(c.params.thread_ts)) &&
        visibleText(c).includes('is busy'),
      20_000,
    );

    // Assert 1: exactly one runs; the other's thread names the holder.
    expect(pressed).toEqual([200, 200]);
    const running = await until(
      () => world.store.runningDeployments(),
      (r) => r.length > 0,
      10_000,
      'a deployment',
    );
    expect(running).toHaveLength(1);
    const [deployment] = running;
    const winner = replicaOf(await world.holderPid('dev', 'checkout'))!;
    const loser = winner === a ? b : a;
    expect(busy.params.thread_ts).toBe(winner === a ? t2 : t1);
    expect(String(busy.params.text)).toContain(
      `dev/checkout is busy: ${deployment!.actor} deploying checkout ${deployment!.version}`,
    );

    // Act 2: the runner is killed mid-shift.
    const newColour = deployment!.colour;
    await until(
      () => world.weights('dev', 'checkout')[newColour],
      (w) => w > 0 && w < 100,
      30_000,
      'a shift step',
    );
    const before = await world.store.journal(deployment!.id);
    winner.proc.child.kill('SIGKILL');
    const killedAt = Date.now();
    const healed = await until(
      () => world.store.getDeployment(deployment!.id),
      (d) => d?.status !== 'RUNNING',
      20_000,
      'the other replica to heal the rollout',
    );
    const healedMs = Date.now() - killedAt;

    // Assert 2: the other replica aborted it to the stable colour within lease + one interval + 1 s,
    // and the history holds everything the dead replica wrote.
    const stable = newColour === 'green' ? 'blue' : 'green';
    expect(healed).toMatchObject({ status: 'ABORTED' });
    expect(world.weights('dev', 'checkout')).toMatchObject({ [stable]: 100, [newColour]: 0 });
    expect(healedMs).toBeLessThan(2_000 + 5_000 + 1_000);
    const after = await world.store.journal(deployment!.id);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
    expect(await world.store.getLock('dev/checkout')).toBeUndefined();
    expect(loser.proc.logs()).toMatch(/adopt|recover/i);
  }, 90_000);
});
