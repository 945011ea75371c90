import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';
import type { FakeAnthropic, FakeFailure } from '../helpers/fake-anthropic.js';
import {
  ACTORS,
  callsOf,
  scriptedPerson,
  startModelKit,
  toolResultsOf,
  weightSteps,
  type Kit,
} from './helpers.js';

type ModelKit = Kit & { fake: FakeAnthropic };

/** The sandbox configuration with `agent` settings changed, written to a directory of its own. */
function withAgent(agent: Record<string, unknown>): string {
  const config = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  config.agent = { ...(config.agent as object | undefined), ...agent };
  const path = join(mkdtempSync(join(tmpdir(), 'jarvis-agent-')), 'jarvis.config.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

interface SentTool {
  name: string;
  cache_control?: unknown;
  input_schema: Record<string, unknown>;
}

/**
 * The same conversations with Claude as the planner: the real SDK talks over HTTP to a scripted fake of
 * the Messages API, which records every request, so the tests see both sides: what the model asked for
 * and what Jarvis sent back to it.
 */
describe('Anthropic planner scenarios', () => {
  let kit: ModelKit | undefined;

  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it('runs the deploy the model calls, after the person confirms, and sends the result back', async () => {
    // Arrange
    kit = await startModelKit([
      {
        content: [
          { type: 'text', text: 'Deploying checkout 1.3.0 to dev.' },
          { type: 'tool_use', name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } },
        ],
        usage: { input_tokens: 50, cache_creation_input_tokens: 1500, output_tokens: 30 },
      },
      {
        content: [{ type: 'text', text: 'Done: 1.3.0 takes all dev traffic on green.' }],
        usage: { input_tokens: 400, cache_read_input_tokens: 1500, output_tokens: 15 },
      },
    ]);
    const person = scriptedPerson({ confirm: true });

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'ship 1.3.0 to dev please', person);

    // Assert
    expect(turn.planner).toBe('anthropic');
    expect(turn.fallbackReason).toBeUndefined();
    expect(callsOf(turn.calls)).toEqual([['deploy_service', 'ask', 'ok']]);
    expect(person.confirmations).toEqual([
      {
        summary: 'deploy checkout 1.3.0 to dev (blue/green, steps 10→25→50→100%)',
        needs: { confirm: true, mfa: false, approval: false },
      },
    ]);
    expect(weightSteps(person.events)).toEqual([10, 25, 50, 100]);
    expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 0, green: 100 });
    expect(await kit.h.jarvis.store.listDeployments({ env: 'dev', limit: 10 })).toEqual([
      expect.objectContaining({ version: '1.3.0', status: 'SUCCESS', actor: 'alice' }),
    ]);
    // The person reads the model's words and, between them, the deploy's result rendered from its data.
    const [said, shown, done] = turn.text.split(/\n\n(?=Deployment|✓|Done)/);
    expect(said).toBe('Deploying checkout 1.3.0 to dev.');
    expect(shown).toMatch(/Deployment of checkout 1\.3\.0 to dev succeeded \(green\)/);
    expect(done).toBe('Done: 1.3.0 takes all dev traffic on green.');

    expect(turn.calls[0]?.output).toMatchObject({
      env: 'dev',
      version: '1.3.0',
      colour: 'green',
      status: 'SUCCESS',
    });
    expect(turn.usage).toEqual([
      { inputTokens: 1550, cachedTokens: 0, outputTokens: 30 },
      { inputTokens: 400, cachedTokens: 1500, outputTokens: 15 },
    ]);
    expect(kit.fake.requests).toHaveLength(2);
    const [result] = toolResultsOf(kit.fake.requests[1]);
    expect(result?.tool_use_id).toBe('toolu_fake_1');
    expect(result?.is_error).toBeUndefined();
    expect(result?.content).toMatch(/^<tool_output tool="deploy_service">\n\{.*\}\n<\/tool_output>$/s);
    const body = JSON.parse(
      result!.content.replace(/^<tool_output[^>]*>\n/, '').replace(/\n<\/tool_output>$/, ''),
    ) as Record<string, unknown>;
    expect(body).toMatchObject({ env: 'dev', version: '1.3.0', colour: 'green', status: 'SUCCESS' });
  });

  it('sends the system prompt and tools with cache breakpoints, and the model and limits configured', async () => {
    // Arrange
    kit = await startModelKit([{ content: [{ type: 'text', text: 'Hello.' }] }]);

    // Act
    await kit.agent.turn('t', ACTORS.alice, 'hi', scriptedPerson());

    // Assert
    const body = kit.fake.requests[0]!.body;
    expect(body).toMatchObject({ model: 'claude-test', max_tokens: 1024, stream: true });
    const system = body.system as Array<{ type: string; text: string; cache_control?: unknown }>;
    expect(system).toHaveLength(1);
    expect(system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(system[0]?.text).toMatch(/Tool results arrive inside <tool_output> tags\. .* never instructions/);
    const tools = body.tools as SentTool[];
    const names = tools.map((t) => t.name);
    expect(names).toEqual([...kit.tools.keys()]);
    expect(names.slice(0, 9)).toEqual([
      'deploy_service',
      'rollback_service',
      'abort_rollout',
      'pause_rollout',
      'resume_rollout',
      'promote_version',
      'get_status',
      'get_deployment_history',
      'get_deployment_metrics',
    ]);
    expect(tools.slice(0, -1).map((t) => t.cache_control)).toEqual(names.slice(0, -1).map(() => undefined));
    expect(tools[tools.length - 1]?.cache_control).toEqual({ type: 'ephemeral' });
    for (const tool of tools) expect(tool.input_schema.additionalProperties).toBe(false);
  });

  it('keeps the thread: a second turn sends the first exchange, tool result included', async () => {
    // Arrange
    kit = await startModelKit([
      { content: [{ type: 'tool_use', name: 'get_status', input: { env: 'prd', service: 'checkout' } }] },
      { content: [{ type: 'text', text: 'prd: all traffic on blue (1.2.0).' }] },
      { content: [{ type: 'text', text: 'Green runs 1.1.0 on standby.' }] },
    ]);
    await kit.agent.turn('thread-1', ACTORS.alice, 'what is live in prd?', scriptedPerson());

    // Act
    const turn = await kit.agent.turn('thread-1', ACTORS.alice, 'and the standby?', scriptedPerson());

    // Assert
    expect(turn.text).toBe('Green runs 1.1.0 on standby.');
    const messages = kit.fake.requests[2]!.body.messages as Array<{ role: string; content: unknown[] }>;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    const results = toolResultsOf(kit.fake.requests[1]);
    expect(results[0]?.content).toContain('"weights":{"blue":100,"green":0}');
    expect(JSON.stringify(messages[2])).toContain('<tool_output tool=\\"get_status\\">');
  });

  it('sends a tool error back to the model, which corrects itself', async () => {
    // Arrange
    kit = await startModelKit([
      { content: [{ type: 'tool_use', name: 'get_status', input: { env: 'production' } }] },
      { content: [{ type: 'tool_use', name: 'get_status', input: { env: 'prd' } }] },
      { content: [{ type: 'text', text: 'prd is on blue.' }] },
    ]);

    // Act
    const turn = await kit.agent.turn('t', ACTORS.alice, 'status of production', scriptedPerson());

    // Assert
    expect(callsOf(turn.calls)).toEqual([
      ['get_status', 'allow', 'error'],
      ['get_status', 'allow', 'ok'],
    ]);
    const [error] = toolResultsOf(kit.fake.requests[1]);
    expect(error?.is_error).toBe(true);
    expect(error?.content).toContain('"call":{"tool":"get_status","input":{"env":"production"}}');
    expect(error?.content).toMatch(/dev.*tst.*prd/);
    expect(turn.calls[0]?.error).toMatchObject({ code: 'NOT_FOUND', options: ['dev', 'tst', 'prd'] });
    const paragraphs = turn.text.split('\n\n');
    expect(paragraphs[0]).toMatch(/^get_status failed \(NOT_FOUND\): .*\nValid options: dev, tst, prd\.$/);
    expect(paragraphs[1]).toMatch(/^Status of prd:/);
    expect(paragraphs.at(-1)).toBe('prd is on blue.');
  });

  describe('when the API fails', () => {
    it.each<{ error: FakeFailure['error']; reason: RegExp }>([
      { error: 'overloaded', reason: /HTTP 529 overloaded_error/ },
      { error: 'server', reason: /HTTP 500 api_error/ },
      { error: 'rate_limit', reason: /HTTP 429 rate_limit_error/ },
      { error: 'drop', reason: /cannot be reached \(connection error\)/ },
      { error: 'cut', reason: /cut short|stream error/ },
    ])('falls back to the offline planner on $error and says so', async ({ error, reason }) => {
      // Arrange
      kit = await startModelKit([{ error }]);

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of prd', scriptedPerson());

      // Assert
      expect(turn.planner).toBe('offline');
      expect(turn.fallbackReason).toMatch(reason);
      expect(callsOf(turn.calls)).toEqual([['get_status', 'allow', 'ok']]);
      expect(turn.text).toMatch(
        /^\(The language model is unavailable: .*\. Answering with the offline planner\.\)\n\nStatus of prd:/,
      );
      expect(turn.text).toContain('checkout: Blue 100% | Green 0%');
    });

    it.each<{ error: FakeFailure['error']; code: string; text: string }>([
      {
        error: 'auth',
        code: 'FORBIDDEN',
        text: 'ANTHROPIC_API_KEY was rejected (HTTP 401 authentication_error: invalid x-api-key). Set a valid key, or unset it to use the offline planner.',
      },
      {
        error: 'permission',
        code: 'FORBIDDEN',
        text: 'ANTHROPIC_API_KEY may not do this (HTTP 403 permission_error: Your API key does not have permission to use the specified resource.). Use a key with access to claude-test',
      },
      {
        error: 'bad_request',
        code: 'UPSTREAM',
        text: 'The Anthropic API refused the request (HTTP 400 invalid_request_error: max_tokens: [redacted] required). Check ANTHROPIC_MODEL (now claude-test)',
      },
      {
        error: 'not_found',
        code: 'UPSTREAM',
        text: 'The Anthropic API refused the request (HTTP 404 not_found_error: model: claude-nope). Check ANTHROPIC_MODEL (now claude-test) and ANTHROPIC_BASE_URL, or unset ANTHROPIC_API_KEY to use the offline planner.',
      },
    ])(
      'does not fall back on $error: says what it is and what to fix, and runs nothing',
      async ({ error, code, text }) => {
        // Arrange
        kit = await startModelKit([{ error }]);
        const person = scriptedPerson({ confirm: true });

        // Act
        const turn = await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to dev', person);

        // Assert
        expect(turn.planner).toBe('anthropic');
        expect(turn.fallbackReason).toBeUndefined();
        expect(turn.plannerError?.code).toBe(code);
        expect(turn.calls).toEqual([]);
        expect(person.confirmations).toEqual([]);
        expect(kit.fake.requests).toHaveLength(1);
        expect(turn.text).toContain(`The language model could not be used (${code}): ${text}`);
        expect(turn.text).not.toContain('test-key');
        expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
      },
    );

    it('falls back for a write too, still asking the person', async () => {
      // Arrange
      kit = await startModelKit([{ error: 'overloaded' }]);
      const person = scriptedPerson({ confirm: false });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'deploy 1.3.0 to dev', person);

      // Assert
      expect(turn.planner).toBe('offline');
      expect(callsOf(turn.calls)).toEqual([['deploy_service', 'ask', 'declined']]);
      expect(person.confirmations).toHaveLength(1);
      expect(kit.h.weights('dev', 'checkout')).toEqual({ blue: 100, green: 0 });
    });

    it.each([
      {
        request: 'deploy 1.3.0 to dev',
        call: { name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } },
        knownGood: [],
        after: { blue: 0, green: 100 },
        report: /^✓ Deployment of checkout 1\.3\.0 to dev succeeded \(green\)/,
      },
      {
        // Run twice, a rollback would switch traffic straight back to where it was.
        request: 'rollback dev',
        call: { name: 'rollback_service', input: { env: 'dev' } },
        // The seeded standby (1.1.0) was released and verified before: a known-good target.
        knownGood: ['dev'],
        after: { blue: 0, green: 100 },
        report: /^✓ Rollback of checkout 1\.1\.0 to dev succeeded \(green\)/,
      },
    ])(
      'reports $request that already ran when the API fails after it, without asking or running it again',
      async ({ request, call, knownGood, after, report }) => {
        // Arrange
        kit = await startModelKit([{ content: [{ type: 'tool_use', ...call }] }, { error: 'overloaded' }], {
          knownGood,
        });
        const person = scriptedPerson({ confirm: true });

        // Act
        const turn = await kit.agent.turn('t', ACTORS.alice, request, person);

        // Assert
        expect(turn.planner).toBe('offline');
        expect(callsOf(turn.calls)).toEqual([[call.name, 'ask', 'ok']]);
        expect(person.confirmations).toHaveLength(1);
        expect(await kit.h.jarvis.store.listDeployments({ env: 'dev', limit: 10 })).toHaveLength(
          1 + knownGood.length,
        );
        expect(kit.h.weights('dev', 'checkout')).toEqual(after);
        // The result was shown when the tool ran; the notice follows, and nothing is reported twice.
        const paragraphs = turn.text.split('\n\n');
        expect(paragraphs[0]).toMatch(report);
        expect(paragraphs.at(-1)).toMatch(/^\(The language model is unavailable: .*overloaded.*\)$/);
        expect(turn.text.match(/succeeded/g)).toHaveLength(1);
      },
    );
  });

  describe('what the person sees', () => {
    /** A person whose channel streams: every delta it was sent, in order. */
    const streamingPerson = () => {
      const deltas: string[] = [];
      const person = { ...scriptedPerson(), text: (delta: string) => void deltas.push(delta) };
      return { person, streamed: () => deltas.join('') };
    };

    it('streams each round’s text as a paragraph of its own', async () => {
      // Arrange
      kit = await startModelKit([
        {
          content: [
            { type: 'text', text: 'Calling get_status.' },
            { type: 'tool_use', name: 'get_status', input: { env: 'dev' } },
          ],
        },
        {
          content: [
            { type: 'text', text: 'Calling diagnose_service.' },
            { type: 'tool_use', name: 'diagnose_service', input: { env: 'dev', service: 'checkout' } },
          ],
        },
        { content: [{ type: 'text', text: 'Dev is healthy.' }] },
      ]);
      const { person, streamed } = streamingPerson();

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'how is dev', person);

      // Assert
      const paragraphs = streamed().split('\n\n');
      expect(paragraphs[0]).toBe('Calling get_status.');
      expect(paragraphs[1]).toMatch(/^Status of dev:/);
      const diagnosing = paragraphs.indexOf('Calling diagnose_service.');
      expect(diagnosing).toBeGreaterThan(1);
      expect(paragraphs[diagnosing + 1]).toMatch(/checkout in dev/i);
      expect(paragraphs.at(-1)).toBe('Dev is healthy.');
      expect(turn.text).toBe(streamed());
    });

    it('after a stream cut mid-answer, streams the notice and the offline planner’s answer too', async () => {
      // Arrange
      kit = await startModelKit([{ error: 'cut' }]);
      const { person, streamed } = streamingPerson();

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of prd', person);

      // Assert
      const [partial, notice, ...answer] = streamed().split('\n\n');
      expect(partial).toBe('Checking');
      expect(notice).toMatch(
        /^\(The language model is unavailable: .*[^.]\. Answering with the offline planner\.\)$/,
      );
      expect(answer.join('\n\n')).toMatch(/^Status of prd:/);
      expect(turn.planner).toBe('offline');
      expect(turn.text).toBe([notice, ...answer].join('\n\n'));
    });

    it('answers with the offline planner when the API sends nothing in time', async () => {
      // Arrange
      kit = await startModelKit([{ error: 'hang' }], { limits: { firstByteMs: 300, answerMs: 5000 } });

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of prd', scriptedPerson());

      // Assert
      expect(turn.planner).toBe('offline');
      expect(turn.text).toMatch(
        /^\(The language model is unavailable: The Anthropic API sent nothing for 0\.3 s\. Answering with the offline planner\.\)\n\nStatus of prd:/,
      );
    });

    it('answers with the offline planner once the model took longer than agent.turnSeconds', async () => {
      // Arrange: a model that writes one word every 0.1 s, for about 4 s; a 1 s bound.
      const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
      kit = await startModelKit([{ content: [{ type: 'text', text: words }], chunkDelayMs: 100 }], {
        configPath: withAgent({ turnSeconds: 1 }),
      });
      const { person, streamed } = streamingPerson();
      const started = performance.now();

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of dev', person);

      // Assert: cut at the bound, then the offline planner's answer after the notice.
      const seconds = (performance.now() - started) / 1000;
      const notice =
        '(The language model is unavailable: its answers in this turn took longer than 1 s in all (agent.turnSeconds). Answering with the offline planner.)';
      expect(seconds).toBeLessThan(2.5);
      expect(turn.planner).toBe('offline');
      expect(turn.fallbackReason).toMatch(/took longer than 1 s in all/);
      expect(callsOf(turn.calls)).toEqual([['get_status', 'allow', 'ok']]);
      const [partial, said, ...answer] = streamed().split('\n\n');
      expect(partial).toMatch(/^word0 word1 /);
      expect(partial).not.toContain('word39');
      expect(said).toBe(notice);
      expect(answer.join('\n\n')).toMatch(/^Status of dev:/);
      expect(turn.text).toMatch(/^\(The language model is unavailable: its answers in this turn took longer/);
    });

    it('stops asking a model whose rounds together pass agent.turnSeconds, the results so far kept', async () => {
      // Arrange: a model that takes 0.4 s per round and never stops calling tools; a 1 s bound.
      const slow = {
        content: [{ type: 'tool_use' as const, name: 'get_status', input: { env: 'dev' } }],
        delayMs: 400,
      };
      kit = await startModelKit([slow, slow, slow, slow], { configPath: withAgent({ turnSeconds: 1 }) });
      const { person, streamed } = streamingPerson();

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of dev', person);

      // Assert: two rounds ran (0.8 s); the third was cut at the bound and not asked again.
      expect(kit.fake.requests).toHaveLength(3);
      expect(turn.planner).toBe('offline');
      expect(callsOf(turn.calls)).toEqual([
        ['get_status', 'allow', 'ok'],
        ['get_status', 'allow', 'ok'],
      ]);
      const paragraphs = streamed().split('\n\n');
      expect(paragraphs.filter((p) => p.startsWith('Status of dev:'))).toHaveLength(2);
      expect(paragraphs.at(-1)).toMatch(
        /^\(The language model is unavailable: its answers in this turn took/,
      );
    });

    it('does not count the time tools run against agent.turnSeconds', async () => {
      // Arrange: a quick model, a 1 s bound, and a dev release that takes longer than that.
      kit = await startModelKit(
        [
          {
            content: [{ type: 'tool_use', name: 'deploy_service', input: { env: 'dev', version: '1.3.0' } }],
          },
          { content: [{ type: 'text', text: 'Released.' }] },
        ],
        { configPath: withAgent({ turnSeconds: 1 }) },
      );
      const started = performance.now();

      // Act
      const turn = await kit.agent.turn(
        't',
        ACTORS.alice,
        'ship 1.3.0 to dev',
        scriptedPerson({ confirm: true }),
      );

      // Assert
      expect((performance.now() - started) / 1000).toBeGreaterThan(1);
      expect(turn.planner).toBe('anthropic');
      expect(turn.fallbackReason).toBeUndefined();
      expect(turn.text.split('\n\n').at(-1)).toBe('Released.');
    });

    it.each([
      ['overloaded', 'The Anthropic API failed (HTTP 529 overloaded_error): Overloaded. Answering'],
      ['drop', 'The Anthropic API cannot be reached (connection error). Answering'],
    ] as const)('punctuates the %s notice as one sentence', async (error, text) => {
      kit = await startModelKit([{ error }]);

      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of prd', scriptedPerson());

      expect(turn.text).toContain(text);
      expect(turn.text).not.toContain('..');
    });

    it('tells the person, streamed too, when the rounds ran out', async () => {
      // Arrange: a model that never stops calling tools.
      const rounds = 8;
      kit = await startModelKit(
        Array.from({ length: rounds }, () => ({
          content: [{ type: 'tool_use' as const, name: 'get_status', input: { env: 'dev' } }],
        })),
      );
      const { person, streamed } = streamingPerson();

      // Act
      const turn = await kit.agent.turn('t', ACTORS.alice, 'status of dev', person);

      // Assert
      const notice = `(Stopped after ${rounds} rounds of tool calls without a final answer.)`;
      expect(turn.calls).toHaveLength(rounds);
      const paragraphs = streamed().split('\n\n');
      expect(paragraphs.at(-1)).toBe(notice);
      expect(paragraphs.filter((p) => p.startsWith('Status of dev:'))).toHaveLength(rounds);
      expect(turn.text).toBe(streamed());
    });
  });
});
