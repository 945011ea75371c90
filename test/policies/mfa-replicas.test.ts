import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { expect, it } from 'vitest';
import { LOCKOUT_WINDOW_MS, MfaService } from '../../src/policies/mfa.js';
import { describeStores } from '../store/contract-kit.js';
import { T0 } from './helpers.js';

const MIN = 60_000;

/** A code of `secret` for the TOTP step `steps` away from `at`. */
const codeAt = (secret: string, at: number, steps = 0) =>
  generate({ secret, epoch: Math.floor(at / 1000) + steps * 30 });

// Two replicas are two MfaServices on two stores opened on one database, sharing only the key.
describeStores('MFA across replicas', (db) => {
  async function replicas() {
    const key = randomBytes(32);
    const clock = { now: T0 + 10_000 };
    const [a, b] = await Promise.all([db.open(), db.open()]);
    const one = new MfaService({ store: a, key, now: () => clock.now });
    const two = new MfaService({ store: b, key, now: () => clock.now });
    const { uri } = await one.enroll('alice');
    return { one, two, clock, secret: new URL(uri).searchParams.get('secret') ?? '' };
  }

  it('refuses on one replica a code already used on the other, and takes the next one', async () => {
    // Arrange
    const { one, two, clock, secret } = await replicas();
    const code = await codeAt(secret, clock.now);

    // Act
    const first = await one.verify('alice', code, 'prd');
    const replayed = await two.verify('alice', code, 'prd');
    clock.now += 30_000;
    const next = await two.verify('alice', await codeAt(secret, clock.now), 'prd');

    // Assert
    expect(first).toMatchObject({ ok: true });
    expect(replayed).toMatchObject({ ok: false, reason: 'replayed' });
    expect(next).toMatchObject({ ok: true });
  });

  it('accepts one code typed on both replicas at once only once', async () => {
    const { one, two, clock, secret } = await replicas();
    const code = await codeAt(secret, clock.now);

    const outcomes = await Promise.all([one.verify('alice', code, 'prd'), two.verify('alice', code, 'prd')]);

    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([expect.objectContaining({ reason: 'replayed' })]);
  });

  it('holds a lockout earned on one replica on the other, even for a valid code', async () => {
    // Arrange: five wrong codes, alternating between the replicas.
    const { one, two, clock, secret } = await replicas();
    const start = clock.now;
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      clock.now = start + i * MIN;
      const valid = new Set(await Promise.all([-1, 0, 1].map((s) => codeAt(secret, clock.now, s))));
      const wrong = ['000000', '000001', '000002', '000003'].find((c) => !valid.has(c))!;
      outcomes.push(await (i % 2 ? two : one).verify('alice', wrong, 'prd'));
    }

    // Act
    clock.now = start + 5 * MIN;
    const onOne = await one.verify('alice', await codeAt(secret, clock.now), 'prd');
    const onTwo = await two.verify('alice', await codeAt(secret, clock.now), 'prd');

    // Assert
    const until = start + 4 * MIN + LOCKOUT_WINDOW_MS;
    expect(outcomes[4]).toMatchObject({ ok: false, reason: 'locked', until });
    expect(onOne).toMatchObject({ ok: false, reason: 'locked', until });
    expect(onTwo).toMatchObject({ ok: false, reason: 'locked', until });
  });
});
