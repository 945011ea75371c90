import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../helpers/fake-slack.js';
import { deliver, triggered } from '../helpers/pagerduty-events.js';
import { PD_SECRET, startReplicaWorld, until, type Replica, type ReplicaWorld } from '../helpers/replicas.js';

const TIME_SCALE = 60;

describe('two jarvis serve replicas on one PostgreSQL', () => {
  let world: ReplicaWorld;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    world = await startReplicaWorld(TIME_SCALE);
    [a, b] = await Promise.all([world.start('a'), world.start('b')]);
    replicas.push(a, b);
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  }, 60_000);

  const confirmIn = (thread: string) =>
    world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        visibleText(c).includes('confirm this change'),
      20_000,
    );

  const adoptionsOf = async (id: number) =>
    (await world.store.listAudit({ actor: 'reconciler', limit: 100 }))
      .filter((e) => e.tool === 'reconcile.adopted' && e.detail?.deploymentId === id)
      .map((e) => e.inputSummary);
  const replicas: Replica[] = [];
  const replicaOf = (pid: number | undefined) => replicas.find((r) => r.pid === pid);
  const alive = () =>
    replicas.filter((r) => r.proc.child.exitCode === null && r.proc.child.signalCode === null);

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
    // The adoption is audited once the recovery has finished the record: wait for the row, not race it.
    const adoptions = await until(
      () => adoptionsOf(deployment!.id),
      (rows) => rows.length > 0,
      5_000,
      'the adoption in the audit log',
    );
    expect(adoptions).toEqual([
      expect.stringMatching(
        /^deployment #\d+ \(checkout 1\.3\.[01] in dev\): .*(lease lapsed|is gone).*; recovered to 100% (blue|green)$/,
      ),
    ]);
    expect(loser.proc.child.exitCode).toBeNull();
  }, 90_000);

  it('fences a replica that stalls mid-shift: the other heals the rollout, and the stalled one, woken, writes nothing', async () => {
    // Arrange: a fresh replica replaces the killed one and runs a deploy.
    const c = await world.start('c');
    replicas.push(c);
    const thread = await c.say('U0CAROL', 'deploy 1.3.2 to dev');
    await c.press('U0CAROL', await confirmIn(thread), 'jarvis_confirm');
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

    // Act: it stops (SIGSTOP) long enough for its lease to lapse and the other replica to heal it, then wakes.
    c.proc.child.kill('SIGSTOP');
    const healed = await until(
      () => world.store.getDeployment(deployment!.id),
      (d) => d?.status !== 'RUNNING',
      20_000,
      'the other replica to heal the rollout',
    );
    const weightsHealed = world.weights('dev', 'checkout');
    const journalHealed = await world.store.journal(deployment!.id);
    c.proc.child.kill('SIGCONT');
    const refused = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.params.thread_ts === thread &&
        /no longer owns the rollout|moved on from token/.test(String(c.params.text)),
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1000));

    // Assert: what the healer left stands; the woken replica recorded nothing and moved no weight.
    const stable = colour === 'green' ? 'blue' : 'green';
    expect(healed).toMatchObject({ status: 'ABORTED' });
    expect(weightsHealed).toMatchObject({ [stable]: 100, [colour]: 0 });
    expect(world.weights('dev', 'checkout')).toEqual(weightsHealed);
    expect(await world.store.journal(deployment!.id)).toEqual(journalHealed);
    expect(await world.store.getDeployment(deployment!.id)).toEqual(healed);
    expect(String(refused.params.text)).toMatch(/^\[sandbox\] deploy_service failed \((CONFLICT|LOCKED)\)/);
    expect(await adoptionsOf(deployment!.id)).toHaveLength(1);
  }, 90_000);

  it('diagnoses one PagerDuty delivery sent to both replicas once, with one note', async () => {
    // Arrange
    const [x, y] = alive();
    const body = JSON.stringify(triggered('Q0REPLICAS', 'PCHKPRD', 'checkout 5xx on both replicas'));
    const send = (r: Replica) =>
      deliver(`${r.url}/webhooks/pagerduty`, undefined, {
        body,
        secrets: [PD_SECRET],
        webhookId: 'w-both',
      }).then(async (res) => [
        res.status,
        res.status === 202 ? 'accepted' : ((await res.json()) as { status: string }).status,
      ]);

    // Act
    const answers = await Promise.all([send(x!), send(y!)]);
    await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' && String(c.params.text).includes('checkout 5xx on both replicas'),
      30_000,
    );
    await until(
      () => world.pd.notes.filter((n) => n.incidentId === 'Q0REPLICAS').length,
      (n) => n > 0,
      30_000,
      'a note',
    );
    await new Promise((r) => setTimeout(r, 2000));

    // Assert
    expect(answers.map(String).sort()).toEqual(['200,duplicate', '202,accepted']);
    expect(
      world.slack
        .callsOf('chat.postMessage')
        .filter((c) => String(c.params.text).includes('checkout 5xx on both replicas')),
    ).toHaveLength(1);
    expect(world.pd.notes.filter((n) => n.incidentId === 'Q0REPLICAS')).toHaveLength(1);
  }, 60_000);

  it('verifies the one audit chain both replicas wrote with jarvis audit --verify', async () => {
    // Arrange: every step above appended audit rows through several replicas.
    const rows = (await world.store.auditChain(0, 10_000)).length;

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', '--verify'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        JARVIS_DATABASE_URL: world.databaseUrl,
      },
      encoding: 'utf8',
    });

    // Assert
    expect(rows).toBeGreaterThan(5);
    expect(run.stdout).toContain(`Audit log intact: ${rows} rows checked`);
    expect(run.status).toBe(0);
  }, 30_000);
});
