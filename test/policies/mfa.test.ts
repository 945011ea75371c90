import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, LOCKOUT_WINDOW_MS, MfaService } from '../../src/policies/mfa.js';
import { withMfaSource } from '../../src/policies/mfa-source.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { memoryStore, T0 } from './helpers.js';

const MIN = 60_000;
const STEP_S = 30;

/** A code of `secret` for the TOTP step `steps` away from the wall time `at`. */
async function codeAt(secret: string, at: number, steps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(at / 1000) + steps * STEP_S });
}

/** A 6-digit code that is none of the valid ones around `at` (so it is certainly wrong). */
async function wrongCodeAt(secret: string, at: number): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1].map((s) => codeAt(secret, at, s))));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

describe('MfaService', () => {
  let store: SqliteStore;
  let key: Buffer;
  let now: number;
  let mfa: MfaService;
  let secret: string;

  beforeEach(async () => {
    store = memoryStore();
    key = randomBytes(32);
    now = T0;
    mfa = new MfaService({ store, key, now: () => now });
    const { uri } = await mfa.enroll('alice');
    secret = new URL(uri).searchParams.get('secret') ?? '';
  });
  afterEach(async () => {
    await store.close();
  });

  describe('enroll', () => {
    it('returns an otpauth URI for the user whose secret is the one stored, encrypted', async () => {
      // Arrange
      const state = await store.getMfa('alice');

      // Act
      const stored = state ? decryptSecret(state.encryptedSecret, key, 'alice') : undefined;

      // Assert
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(stored).toBe(secret);
      expect(state?.encryptedSecret).toMatch(/^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
      expect(state?.encryptedSecret).not.toContain(secret);
    });

    it('names the issuer and the user in the URI', async () => {
      // Act
      const { uri } = await new MfaService({ store, key, issuer: 'Jarvis ACME' }).enroll('U0123ABCD');

      // Assert
      const url = new URL(uri);
      expect(url.protocol).toBe('otpauth:');
      expect(url.host).toBe('totp');
      expect(decodeURIComponent(url.pathname)).toBe('/Jarvis ACME:U0123ABCD');
      expect(url.searchParams.get('issuer')).toBe('Jarvis ACME');
    });

    it('replaces the secret on re-enrolment: codes of the old one stop working', async () => {
      // Arrange
      const oldCode = await codeAt(secret, now);

      // Act
      await mfa.enroll('alice');
      const outcome = await mfa.verify('alice', oldCode, 'prd');

      // Assert
      expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
    });

    it.each(['', ' ', 'alice bob', 'a:b', '../x'])('refuses the user id %j', async (user) => {
      // Act
      const attempt = mfa.enroll(user);

      // Assert
      await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('refuses a key that is not 32 bytes', () => {
      // Act
      const make = () => new MfaService({ store, key: randomBytes(16) });

      // Assert
      expect(make).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    });
  });

  describe('verify', () => {
    it('accepts a valid code and records the verification for the environment', async () => {
      // Arrange
      const code = await codeAt(secret, now);

      // Act
      const outcome = await mfa.verify('alice', code, 'prd');

      // Assert
      expect(outcome).toEqual({ ok: true });
      expect(await store.lastMfaVerification('alice', 'prd')).toBe(T0);
      expect(await store.lastMfaVerification('alice', 'tst')).toBeUndefined();
    });

    it('accepts a code typed with spaces', async () => {
      // Arrange
      const code = await codeAt(secret, now);

      // Act
      const outcome = await mfa.verify('alice', ` ${code.slice(0, 3)} ${code.slice(3)} `, 'prd');

      // Assert
      expect(outcome).toEqual({ ok: true });
    });

    it('refuses a wrong code, records the failure and never echoes the code', async () => {
      // Arrange
      const code = await wrongCodeAt(secret, now);

      // Act
      const outcome = await mfa.verify('alice', code, 'prd');

      // Assert
      expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
      expect(JSON.stringify(outcome)).not.toContain(code);
      expect(await store.recentMfaFailures('alice', 0)).toBe(1);
      expect(await store.lastMfaVerification('alice', 'prd')).toBeUndefined();
    });

    it.each(['12345', '1234567', 'abcdef', '', '12345a'])(
      'refuses the malformed code %j as a failure',
      async (code) => {
        // Act
        const outcome = await mfa.verify('alice', code, 'prd');

        // Assert
        expect(outcome).toMatchObject({
          ok: false,
          reason: 'invalid',
          message: expect.stringMatching(/6 digits/) as unknown,
        });
        expect(await store.recentMfaFailures('alice', 0)).toBe(1);
      },
    );

    it('refuses the same code a second time', async () => {
      // Arrange
      const code = await codeAt(secret, now);
      const first = await mfa.verify('alice', code, 'prd');

      // Act
      now += 5_000;
      const second = await mfa.verify('alice', code, 'prd');

      // Assert
      expect(first).toEqual({ ok: true });
      expect(second).toMatchObject({ ok: false, reason: 'replayed' });
      expect(JSON.stringify(second)).not.toContain(code);
    });

    it('refuses a code of an earlier step once a later one was used', async () => {
      // Arrange
      const later = await codeAt(secret, now, 0);
      const earlier = await codeAt(secret, now, -1);
      await mfa.verify('alice', later, 'prd');

      // Act
      const outcome = await mfa.verify('alice', earlier, 'prd');

      // Assert
      expect(outcome).toMatchObject({ ok: false, reason: 'replayed' });
    });

    it('lets only one of two replicas sharing a database accept the same code', async () => {
      // Arrange
      const dir = mkdtempSync(join(tmpdir(), 'jarvis-mfa-'));
      const a = new SqliteStore(join(dir, 'jarvis.db'));
      const b = new SqliteStore(join(dir, 'jarvis.db'));
      try {
        const replicaA = new MfaService({ store: a, key, now: () => now });
        const replicaB = new MfaService({ store: b, key, now: () => now });
        const { uri } = await replicaA.enroll('bob');
        const code = await codeAt(new URL(uri).searchParams.get('secret') ?? '', now);

        // Act
        const outcomes = await Promise.all([
          replicaA.verify('bob', code, 'prd'),
          replicaB.verify('bob', code, 'prd'),
        ]);

        // Assert
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.ok)).toEqual([expect.objectContaining({ reason: 'replayed' })]);
      } finally {
        await a.close();
        await b.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.each([
      { steps: 0, ok: true },
      { steps: -1, ok: true },
      { steps: 1, ok: false },
      { steps: -2, ok: false },
      { steps: 2, ok: false },
    ])('by default, a code from $steps step(s) away: accepted $ok', async ({ steps, ok }) => {
      // Arrange
      now = T0 + 10_000; // inside a step, not on its edge
      const code = await codeAt(secret, now, steps);

      // Act
      const outcome = await mfa.verify('alice', code, 'prd');

      // Assert
      expect(outcome.ok).toBe(ok);
    });

    it.each([
      { tolerance: { past: 0, future: 0 }, steps: -1, ok: false },
      { tolerance: { past: 0, future: 0 }, steps: 0, ok: true },
      { tolerance: { past: 1, future: 1 }, steps: 1, ok: true },
      { tolerance: { past: 2, future: 0 }, steps: -2, ok: true },
      { tolerance: { past: 2, future: 0 }, steps: 1, ok: false },
    ])(
      'with tolerance $tolerance, a code from $steps step(s) away: accepted $ok',
      async ({ tolerance, steps, ok }) => {
        // Arrange
        now = T0 + 10_000;
        const tolerant = new MfaService({ store, key, now: () => now, tolerance });

        // Act
        const outcome = await tolerant.verify('alice', await codeAt(secret, now, steps), 'prd');

        // Assert
        expect(outcome.ok).toBe(ok);
      },
    );

    it('answers not-enrolled for a user without a secret, recording nothing', async () => {
      // Act
      const outcome = await mfa.verify('bob', '123456', 'prd');

      // Assert
      expect(outcome).toMatchObject({
        ok: false,
        reason: 'not-enrolled',
        message: expect.stringMatching(/jarvis mfa enroll bob/) as unknown,
      });
      expect(await store.recentMfaFailures('bob', 0)).toBe(0);
    });
  });

  describe('lockout', () => {
    async function failAt(times: readonly number[]) {
      const outcomes = [];
      for (const t of times) {
        now = t;
        outcomes.push(await mfa.verify('alice', await wrongCodeAt(secret, now), 'prd'));
      }
      return outcomes;
    }

    it('locks after 5 failures within 15 minutes and refuses even a valid code until then', async () => {
      // Arrange
      const outcomes = await failAt([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]);
      now = T0 + 5 * MIN;
      const valid = await codeAt(secret, now);

      // Act
      const locked = await mfa.verify('alice', valid, 'prd');

      // Assert
      expect(outcomes.slice(0, 4).map((o) => !o.ok && o.reason)).toEqual([
        'invalid',
        'invalid',
        'invalid',
        'invalid',
      ]);
      expect(outcomes.slice(0, 4).map((o) => !o.ok && o.message.match(/(\d) attempts? left/)?.[1])).toEqual([
        '4',
        '3',
        '2',
        '1',
      ]);
      expect(outcomes[4]).toMatchObject({
        ok: false,
        reason: 'locked',
        until: T0 + 4 * MIN + LOCKOUT_WINDOW_MS,
      });
      expect(locked).toMatchObject({ ok: false, reason: 'locked', until: T0 + 4 * MIN + LOCKOUT_WINDOW_MS });
      expect(await store.lastMfaVerification('alice', 'prd')).toBeUndefined();
    });

    it('is over 15 minutes after it began', async () => {
      // Arrange
      await failAt([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]);
      now = T0 + 4 * MIN + LOCKOUT_WINDOW_MS;
      const valid = await codeAt(secret, now);

      // Act
      const outcome = await mfa.verify('alice', valid, 'prd');

      // Assert
      expect(outcome).toEqual({ ok: true });
    });

    it('does not lock for 5 failures spread over more than 15 minutes', async () => {
      // Act
      const outcomes = await failAt([T0, T0 + 4 * MIN, T0 + 8 * MIN, T0 + 12 * MIN, T0 + 16 * MIN]);

      // Assert
      expect(outcomes.map((o) => !o.ok && o.reason)).toEqual([
        'invalid',
        'invalid',
        'invalid',
        'invalid',
        'invalid',
      ]);
    });

    it('keeps the failures of the window after a success: one more failure locks', async () => {
      // Arrange
      await failAt([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
      now = T0 + 4 * MIN;
      const success = await mfa.verify('alice', await codeAt(secret, now), 'prd');

      // Act
      const after = await failAt([T0 + 5 * MIN]);

      // Assert
      expect(success).toEqual({ ok: true });
      expect(after).toEqual([expect.objectContaining({ ok: false, reason: 'locked' })]);
    });

    it('makes each lockout within a day twice as long as the one before', async () => {
      // Arrange: a first lockout at T0 + 4 min, served.
      await failAt([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]);
      const start = T0 + 4 * MIN + LOCKOUT_WINDOW_MS;

      // Act: five more failures after it, then five more after the second.
      const second = await failAt([0, 1, 2, 3, 4].map((i) => start + i * MIN));
      const third = await failAt(
        [0, 1, 2, 3, 4].map((i) => start + 4 * MIN + 2 * LOCKOUT_WINDOW_MS + i * MIN),
      );

      // Assert
      expect(second.slice(0, 4).map((o) => !o.ok && o.message.match(/before a (.+) lockout/)?.[1])).toEqual([
        '30-minute',
        '30-minute',
        '30-minute',
        '30-minute',
      ]);
      expect(second[4]).toMatchObject({ reason: 'locked', until: start + 4 * MIN + 2 * LOCKOUT_WINDOW_MS });
      expect(third[4]).toMatchObject({
        reason: 'locked',
        until: start + 8 * MIN + 2 * LOCKOUT_WINDOW_MS + 4 * LOCKOUT_WINDOW_MS,
      });
    });

    it('locks a source out after 10 failures from it, whoever typed them', async () => {
      // Arrange
      const users = ['bob', 'carol', 'dave', 'erin', 'frank'];
      const seeds = new Map<string, string>();
      for (const u of users)
        seeds.set(u, new URL((await mfa.enroll(u)).uri).searchParams.get('secret') ?? '');
      const outcomes = [];

      // Act: two wrong codes each from the same Slack channel, then bob's valid code from there and
      // from another channel.
      for (const [i, u] of [...users, ...users].entries()) {
        now = T0 + i * 1000;
        outcomes.push(
          await withMfaSource('slack:T0TEST/C0JARVISCI', async () =>
            mfa.verify(u, await wrongCodeAt(seeds.get(u)!, now), 'prd'),
          ),
        );
      }
      const code = await codeAt(seeds.get('bob')!, now);
      const fromThere = await withMfaSource('slack:T0TEST/C0JARVISCI', () => mfa.verify('bob', code, 'prd'));
      const elsewhere = await withMfaSource('terminal:ops-box', () => mfa.verify('bob', code, 'prd'));

      // Assert
      expect(outcomes.slice(0, 9).map((o) => !o.ok && o.reason)).toEqual(Array(9).fill('invalid'));
      expect(outcomes[9]).toMatchObject({
        ok: false,
        reason: 'locked',
        until: T0 + 9000 + LOCKOUT_WINDOW_MS,
      });
      expect(fromThere).toMatchObject({ ok: false, reason: 'locked' });
      expect(elsewhere).toEqual({ ok: true });
    });

    it('audits each lockout: who, from where, until when, after how many failures', async () => {
      // Act
      await withMfaSource('terminal:ops-box', () =>
        failAt([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]),
      );

      // Assert
      const audit = await store.listAudit({ limit: 10 });
      expect(audit.map((a) => [a.actor, a.channel, a.tool, a.decision, a.outcome, a.detail])).toEqual([
        [
          'alice',
          'terminal',
          'mfa.lockout',
          'deny',
          'locked',
          {
            kind: 'user',
            subject: 'alice',
            until: T0 + 4 * MIN + LOCKOUT_WINDOW_MS,
            failures: 5,
            lockoutsInDay: 1,
            source: 'terminal:ops-box',
          },
        ],
      ]);
    });

    it('counts replayed codes as failures', async () => {
      // Arrange
      const code = await codeAt(secret, now);
      await mfa.verify('alice', code, 'prd');

      // Act
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push(await mfa.verify('alice', code, 'prd'));

      // Assert
      expect(outcomes.map((o) => !o.ok && o.reason)).toEqual([
        'replayed',
        'replayed',
        'replayed',
        'replayed',
        'locked',
      ]);
    });
  });

  describe('secrets at rest', () => {
    it('refuses a tampered ciphertext with FORBIDDEN, counting no failure and naming no secret', async () => {
      // Arrange
      const stored = (await store.getMfa('alice'))?.encryptedSecret ?? '';
      const [v, iv, tag, ct] = stored.split('.');
      const flipped = Buffer.from(ct ?? '', 'base64');
      flipped[0] = (flipped[0] ?? 0) ^ 1;
      await store.putMfaSecret('alice', [v, iv, tag, flipped.toString('base64')].join('.'), now);

      // Act
      const error = await mfa.verify('alice', await codeAt(secret, now), 'prd').then(
        () => undefined,
        (err: unknown) => err,
      );

      // Assert
      expect(error).toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringMatching(/cannot be decrypted/) as unknown,
      });
      expect(JSON.stringify(error)).not.toContain(secret);
      expect((error as Error).message).not.toContain(secret);
      expect(await store.recentMfaFailures('alice', 0)).toBe(0);
    });

    it('refuses a secret under another key', async () => {
      // Arrange
      const other = new MfaService({ store, key: randomBytes(32), now: () => now });

      // Act
      const attempt = other.verify('alice', await codeAt(secret, now), 'prd');

      // Assert
      await expect(attempt).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringMatching(/JARVIS_MFA_KEY is not the key it was encrypted with/) as unknown,
      });
    });

    it("refuses a secret copied onto another user's row", async () => {
      // Arrange
      const stored = (await store.getMfa('alice'))?.encryptedSecret ?? '';
      await store.putMfaSecret('mallory', stored, now);

      // Act
      const attempt = mfa.verify('mallory', await codeAt(secret, now), 'prd');

      // Assert
      await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it.each(['plain-secret', 'v1.a.b', 'v2.AAAA.AAAA.AAAA', 'v1.!!.??.**'])(
      'refuses the malformed stored value %j',
      (value) => {
        // Act
        const read = () => decryptSecret(value, key, 'alice');

        // Assert
        expect(read).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
      },
    );

    it('encrypts the same secret differently each time (fresh IV)', () => {
      // Act
      const a = encryptSecret(secret, key, 'alice');
      const b = encryptSecret(secret, key, 'alice');

      // Assert
      expect(a).not.toBe(b);
      expect(decryptSecret(a, key, 'alice')).toBe(secret);
      expect(decryptSecret(b, key, 'alice')).toBe(secret);
    });
  });
});
