import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PodSummary } from '../../src/platform/kube-types.js';
import { prepareCause, prepareProgress } from '../../src/platform/prepare-cause.js';
import { recorder, startHarness, type Harness } from '../helpers/jarvis.js';

const IMAGE = 'repo/checkout:1.3.1';

function pod(
  name: string,
  extra: Partial<PodSummary> = {},
  container: Partial<PodSummary['containers'][number]> = {},
): PodSummary {
  return {
    name,
    namespace: 'shop',
    phase: 'Running',
    ready: false,
    restarts: container.restartCount ?? 0,
    node: 'node-1',
    labels: {},
    containers: [
      { name: 'app', image: IMAGE, ready: false, restartCount: 0, state: 'waiting', ...container },
    ],
    conditions: [],
    terminating: false,
    ...extra,
  };
}

describe('prepareCause', () => {
  const cases: Array<[string, PodSummary[], { kind: string; certain: boolean; text: RegExp } | undefined]> = [
    [
      'an image that does not exist: certain at once',
      [
        pod(
          'a',
          {},
          { reason: 'ErrImagePull', message: 'failed to resolve reference "repo/checkout:1.3.1": not found' },
        ),
      ],
      {
        kind: 'image-pull',
        certain: true,
        text: /^ErrImagePull for repo\/checkout:1\.3\.1: failed to resolve/,
      },
    ],
    [
      'a pull that may still succeed (rate limit)',
      [pod('a', {}, { reason: 'ImagePullBackOff', message: 'toomanyrequests: rate limit' })],
      { kind: 'image-pull', certain: false, text: /rate limit/ },
    ],
    [
      'a crash loop under the restart limit',
      [
        pod(
          'a',
          {},
          { reason: 'CrashLoopBackOff', restartCount: 2, lastTermination: { exitCode: 1, reason: 'Error' } },
        ),
      ],
      {
        kind: 'crash-loop',
        certain: false,
        text: /^CrashLoopBackOff: container app ends with exit code 1, 2 restarts$/,
      },
    ],
    [
      'a crash loop past it',
      [pod('a', {}, { reason: 'CrashLoopBackOff', restartCount: 3, lastTermination: { exitCode: 1 } })],
      { kind: 'crash-loop', certain: true, text: /exit code 1, 3 restarts/ },
    ],
    [
      'an OOM kill, before a crash loop of another pod',
      [
        pod('a', {}, { reason: 'CrashLoopBackOff', restartCount: 5, lastTermination: { exitCode: 1 } }),
        pod(
          'b',
          {},
          {
            reason: 'CrashLoopBackOff',
            restartCount: 4,
            lastTermination: { exitCode: 137, reason: 'OOMKilled' },
          },
        ),
      ],
      { kind: 'oom-killed', certain: true, text: /^OOMKilled: .*exit code 137/ },
    ],
    [
      'no node for it: the scheduler’s message, never certain (the autoscaler may add one)',
      [
        pod('a', {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/3 nodes are available: 3 Insufficient cpu.',
            },
          ],
        }),
      ],
      {
        kind: 'unschedulable',
        certain: false,
        text: /^Unschedulable: 0\/3 nodes are available: 3 Insufficient cpu\.$/,
      },
    ],
    [
      'old pods only: nothing about the new version yet',
      [pod('a', {}, { image: 'repo/checkout:1.2.0', reason: 'CrashLoopBackOff' })],
      undefined,
    ],
  ];

  it.each(cases)('%s', (_name, pods, expected) => {
    const cause = prepareCause(pods, 'app', IMAGE, 3);
    if (!expected) return expect(cause).toBeUndefined();
    expect(cause).toMatchObject({ kind: expected.kind, certain: expected.certain });
    expect(cause!.text).toMatch(expected.text);
  });

  it('counts the ready new pods and their restarts', () => {
    const pods = [
      pod('a', { ready: true }, { ready: true, state: 'running' }),
      pod('b', { restarts: 4 }, { restartCount: 4 }),
      pod('c', { ready: true }, { image: 'repo/checkout:1.2.0', ready: true }),
    ];
    expect(prepareProgress(pods, 'app', IMAGE, 3)).toBe('1/3 ready on 1.3.1, 4 restarts');
  });
});

describe('a failed prepare', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it.each([
    [
      '1.3.1-crashloop',
      /cannot become ready: CrashLoopBackOff: container app ends with exit code 1, \d+ restarts; last log line: "(panic|FATAL)[^"]+"/,
    ],
    [
      '1.3.1-missing',
      /cannot become ready: (ErrImagePull|ImagePullBackOff) for .*checkout:1\.3\.1-missing: .*NotFound/,
    ],
    ['1.3.1-oom', /OOMKilled: container app exceeds its memory limit \(exit code 137\)/],
  ])(
    'of %s ends early with its cause as the failure reason, showing progress meanwhile',
    async (version, reason) => {
      // Arrange
      const { events, listener } = recorder();
      const started = h.jarvis.clock.now();
      // Act
      const result = await h.jarvis.rollouts.deploy({
        env: 'dev',
        service: 'checkout',
        version,
        actor: 'alice',
        onEvent: listener,
      });
      // Assert
      expect(result.deployment.status).toBe('FAILED');
      expect(result.deployment.reason).toMatch(/^prepare failed: /);
      expect(result.deployment.reason).toMatch(reason);
      expect(h.jarvis.clock.now() - started).toBeLessThan(600_000);
      const progress = events.flatMap((e) =>
        e.kind === 'phase' && e.phase === 'prepare' ? [e.message] : [],
      );
      expect(progress).toContainEqual(
        expect.stringMatching(/^checkout-green: 0\/3 ready on 1\.3\.1-\w+, \d+ restarts? \(/),
      );
      expect(h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    },
  );
});
