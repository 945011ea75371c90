import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicPlanner, createAnthropicClient, limitsOf } from '../../src/agent/anthropic.js';
import { DEFAULT_MODEL, loadEnvSettings } from '../../src/config/env.js';
import { JarvisError } from '../../src/errors.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeTurn } from '../helpers/fake-anthropic.js';

const ASK = {
  messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'status of prd' }] }],
  tools: [],
};

describe('AnthropicPlanner (the real SDK against the scripted API)', () => {
  let fake: FakeAnthropic;

  afterEach(async () => {
    await fake.close();
  });

  /** The planner as the factory builds it from the environment, logging to a file of its own. */
  const planner = (script: FakeTurn[], env: Record<string, string> = {}) => {
    const settings = loadEnvSettings({
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
      ...env,
    });
    fake.push(...script);
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }),
    );
    const p = new AnthropicPlanner({
      client: createAnthropicClient(settings),
      model: settings.ANTHROPIC_MODEL,
      maxTokens: 256,
      system: 'You are a test.',
      limits: limitsOf(settings),
      logger,
    });
    const logs = (): Array<Record<string, unknown>> =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    return { p, logs };
  };

  it.each([
    [{ error: 'hang' }, /^The Anthropic API sent nothing for 0\.3 s\.$/],
    [{ error: 'stall' }, /^The Anthropic API did not finish its answer within 0\.6 s\.$/],
  ] as const)('gives up on %j with UNAVAILABLE, so the offline planner can answer', async (turn, message) => {
    // Arrange
    fake = await startFakeAnthropic();
    const { p } = planner([turn], {
      ANTHROPIC_FIRST_BYTE_TIMEOUT_MS: '300',
      ANTHROPIC_ANSWER_TIMEOUT_MS: '600',
    });

    // Act
    const failure = await p.plan(ASK).catch((err: unknown) => err);

    // Assert
    expect(failure).toBeInstanceOf(JarvisError);
    expect((failure as JarvisError).code).toBe('UNAVAILABLE');
    expect((failure as JarvisError).message).toMatch(message);
    expect(fake.requests).toHaveLength(1);
  });

  it('bounds the time to the first byte across the SDK’s retries', async () => {
    // Arrange: an overload, retried by the SDK, into a request that never answers.
    fake = await startFakeAnthropic();
    const { p } = planner([{ error: 'overloaded' }, { error: 'hang' }, { error: 'hang' }], {
      ANTHROPIC_FIRST_BYTE_TIMEOUT_MS: '300',
    });

    // Act
    const failure = (await p.plan(ASK).catch((err: unknown) => err)) as JarvisError;

    // Assert
    expect(failure.message).toBe('The Anthropic API sent nothing for 0.3 s.');
    expect(fake.requests).toHaveLength(2);
  });

  it('counts its bounds from when it was asked, so the time its SDK took to load is not waited again', async () => {
    // Arrange: a 30 s first-byte bound, asked 40 s ago (a load that took that long), an API that hangs
    fake = await startFakeAnthropic();
    const { p } = planner([{ error: 'hang' }], { ANTHROPIC_FIRST_BYTE_TIMEOUT_MS: '30000' });
    const t0 = Date.now();

    // Act
    const failure = (await p
      .plan({ ...ASK, askedAt: t0 - 40_000 })
      .catch((err: unknown) => err)) as JarvisError;

    // Assert: given up on at once, not 30 s later, as the bound it had
    expect(failure.code).toBe('UNAVAILABLE');
    expect(failure.message).toBe('The Anthropic API sent nothing for 30 s.');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('cancels at once when the person does, as ABORTED', async () => {
    fake = await startFakeAnthropic();
    const { p } = planner([{ error: 'hang' }]);
    const cancel = new AbortController();

    const pending = p.plan({ ...ASK, signal: cancel.signal }).catch((err: unknown) => err);
    cancel.abort();

    expect(((await pending) as JarvisError).code).toBe('ABORTED');
  });

  it('logs the request id of each answer and of each failure', async () => {
    // Arrange
    fake = await startFakeAnthropic();
    const { p, logs } = planner([{ content: [{ type: 'text', text: 'All good.' }] }, { error: 'auth' }]);

    // Act
    await p.plan(ASK);
    const failure = (await p.plan(ASK).catch((err: unknown) => err)) as JarvisError;

    // Assert
    const lines = logs();
    expect(lines.find((l) => l.msg === 'anthropic answer')).toMatchObject({
      requestId: 'msg_fake_1',
      stop: 'end_turn',
    });
    expect(lines.find((l) => l.msg === 'anthropic request failed')).toMatchObject({
      requestId: 'req_fake_error_2',
    });
    expect(failure.details.facts).toEqual({ requestId: 'req_fake_error_2' });
    expect(JSON.stringify(lines)).not.toContain('test-key');
  });

  it.each([
    [DEFAULT_MODEL, false],
    ['claude-sonnet-4-5', true],
  ])('model %s: the SDK warns that it is deprecated: %s', async (model, warned) => {
    // Arrange
    fake = await startFakeAnthropic();
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
    const { p } = planner([{ content: [{ type: 'text', text: 'Hello.' }] }], { ANTHROPIC_MODEL: model });

    // Act
    try {
      await p.plan(ASK);
    } finally {
      console.warn = warn;
    }

    // Assert
    expect(fake.requests[0]?.body.model).toBe(model);
    expect(warnings.some((w) => w.includes('deprecated'))).toBe(warned);
  });

  it('uses a current model by default', () => {
    expect(loadEnvSettings({}).ANTHROPIC_MODEL).toBe(DEFAULT_MODEL);
  });
});
