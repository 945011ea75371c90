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
});
