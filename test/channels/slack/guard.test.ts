import { describe, expect, it } from 'vitest';
import { SlackRequestGuard } from '../../../src/channels/slack/guard.js';

const NOW = 1_800_000_000_000;
const seconds = (offset: number): string => String(Math.floor(NOW / 1000) + offset);

describe('SlackRequestGuard', () => {
  it.each([
    ['a fresh request', { 'x-slack-request-timestamp': seconds(0), 'x-slack-signature': 'v0=a' }, true],
    [
      'a request 4 minutes old',
      { 'x-slack-request-timestamp': seconds(-240), 'x-slack-signature': 'v0=a' },
      true,
    ],
    [
      'a request 6 minutes old',
      { 'x-slack-request-timestamp': seconds(-360), 'x-slack-signature': 'v0=a' },
      false,
    ],
    [
      'a request 6 minutes ahead',
      { 'x-slack-request-timestamp': seconds(360), 'x-slack-signature': 'v0=a' },
      false,
    ],
    ['no timestamp', { 'x-slack-signature': 'v0=a' }, false],
    ['no signature', { 'x-slack-request-timestamp': seconds(0) }, false],
    [
      'a timestamp that is not a number',
      { 'x-slack-request-timestamp': '1e9', 'x-slack-signature': 'v0=a' },
      false,
    ],
  ])('%s: allowed %s', (_name, headers, allowed) => {
    // Arrange
    const guard = new SlackRequestGuard({ now: () => NOW });

    // Act
    const verdict = guard.check(headers);

    // Assert
    expect(verdict.ok).toBe(allowed);
  });

  it('refuses the same signature twice within the window, and forgets it after', () => {
    // Arrange
    let now = NOW;
    const guard = new SlackRequestGuard({ now: () => now });
    const headers = { 'x-slack-request-timestamp': seconds(0), 'x-slack-signature': 'v0=abc' };

    // Act
    const first = guard.check(headers);
    const replay = guard.check(headers);
    now += 301_000;
    const late = guard.check(headers);

    // Assert
    expect(first.ok).toBe(true);
    expect(replay).toEqual({ ok: false, reason: 'replayed request' });
    // Forgotten, but by then the timestamp itself is out of range.
    expect(late).toEqual({ ok: false, reason: 'request timestamp out of range' });
  });

  it('remembers a bounded number of signatures', () => {
    // Arrange
    const guard = new SlackRequestGuard({ now: () => NOW, remember: 2 });
    const at = (signature: string) => ({
      'x-slack-request-timestamp': seconds(0),
      'x-slack-signature': signature,
    });

    // Act
    for (const s of ['v0=1', 'v0=2', 'v0=3']) guard.check(at(s));

    // Assert: the oldest was forgotten, the newest is still refused.
    expect(guard.check(at('v0=1')).ok).toBe(true);
    expect(guard.check(at('v0=3')).ok).toBe(false);
  });
});
