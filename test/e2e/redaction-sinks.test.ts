import Database from 'better-sqlite3';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent/factory.js';
import { IncidentResponder } from '../../src/agent/incidents.js';
import { createPagerDutyWebhook, type PagerDutyWebhook } from '../../src/channels/pagerduty-webhook.js';
import { loadEnvSettings } from '../../src/config/env.js';
import { PagerDutyClient } from '../../src/platform/pagerduty.js';
import { ALICE, CI, startSlackHarness, type SlackHarness } from '../channels/slack/harness.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakePagerDuty, type FakePagerDuty } from '../helpers/fake-pagerduty.js';
import { startHarness, type Harness } from '../helpers/jarvis.js';
import { deliver, triggered } from '../helpers/pagerduty-events.js';
import { SECRET_SAMPLES } from '../helpers/secret-samples.js';
import { plannerFor, recordDeployment } from './helpers.js';

// Every secret shape of the table, planted where workloads and people put them (failure reasons, a
// message pasted in Slack, a model that quotes them back), must be absent from every sink: the model's
// requests, Slack, PagerDuty notes, the log file and the audit log.

const PASTE = SECRET_SAMPLES.map((s) => s.line).join('\n');

/** `text` with the escapes JSON and the tool-output frame use turned back into characters. */
function decoded(text: string): string {
  return text
    .replace(/\\\\u00([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\u00([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\\\n|\\n/g, '\n')
    .replace(/\\\\"|\\"/g, '"');
}

/** Whether `secret` appears in `text` as written, JSON-escaped, or behind the frame's escapes. */
function leaks(text: string, secret: string): boolean {
  const plain = decoded(text);
  return (
    text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1)) || plain.includes(secret)
  );
}

describe('secrets in every sink', () => {
  describe('the model, Slack, the log file and the audit log', () => {
    let fake: FakeAnthropic;
    let h: SlackHarness;
    const sinks: Record<string, string> = {};

    beforeAll(async () => {
      // Arrange: failure reasons carry every shape; the person pastes them all; the model reads the
      // history, passes the paste on as a tool input (which the audit log summarises) and quotes it.
      fake = await startFakeAnthropic([
        {
          content: [{ type: 'tool_use', name: 'get_deployment_history', input: { env: 'prd', limit: 100 } }],
        },
        {
          content: [
            { type: 'tool_use', name: 'get_deployment_history', input: { env: 'prd', service: PASTE } },
          ],
        },
        { content: [{ type: 'text', text: `What I found in the history:\n${PASTE}` }] },
      ]);
      h = await startSlackHarness({ planner: (jarvis) => plannerFor(fake, jarvis) });
      for (const [i, sample] of SECRET_SAMPLES.entries()) {
        await recordDeployment(h.jarvis, {
          env: 'prd',
          version: `1.2.${i + 10}`,
          status: 'FAILED',
          reason: sample.line,
        });
      }

      // Act
      const ts = await h.say(ALICE, `<@U0JARVIS> prd keeps failing; the pod said:\n${PASTE}`, {
        channel: CI,
      });
      // The answer streams into one message: posted on the first text, completed by an edit.
      await h.slack.waitFor(
        (c) =>
          (c.method === 'chat.postMessage'
            ? c.params.thread_ts === ts
            : c.method === 'chat.update' && h.slack.messages.get(String(c.params.ts))?.threadTs === ts) &&
          String(c.params.text).includes('What I found'),
      );
      await h.service.slack!.channel.idle();

      // What Jarvis hands the model: the system prompt, the person's words and tool results (the model's
      // own earlier output, echoed back to it in the history, is not a leak to it).
      sinks.model = JSON.stringify(
        fake.requests.map((r) => [
          r.body.system,
          (r.body.messages as Array<{ role: string }>).filter((m) => m.role === 'user'),
        ]),
      );
      sinks.slack = JSON.stringify(h.slack.calls.map((c) => c.params));
      sinks.logs = h.logs();
      // Every writer of the audit log (the loop, incidents, the reconciler, the CLI) goes through the
      // store, which redacts: write each shape as a summary and a detail, then read the file itself.
      for (const sample of SECRET_SAMPLES) {
        await h.jarvis.store.appendAudit({
          at: h.jarvis.clock.now(),
          actor: ALICE,
          channel: 'slack',
          tool: 'get_deployment_history',
          inputSummary: `history: ${sample.line}`,
          decision: 'allow',
          outcome: 'error',
          detail: { message: sample.line, nested: [{ line: sample.line }] },
        });
      }
      const db = new Database(join(dirname(h.logPath), 'jarvis.db'), { readonly: true });
      sinks.audit = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
      db.close();
    });

    afterAll(async () => {
      await h.close();
      await fake.close();
    });

    it('reached every sink, redacted', () => {
      expect(SECRET_SAMPLES.length).toBeGreaterThanOrEqual(60);
      expect(fake.requests).toHaveLength(3);
      expect(sinks.model).toContain('[redacted');
      expect(sinks.slack).toContain('What I found in the history');
      expect(sinks.slack).toContain('[redacted');
      expect(sinks.audit).toContain('[redacted');
      expect(sinks.logs).not.toBe('');
    });

    it.each(SECRET_SAMPLES)('$name reaches no sink', ({ secret }) => {
      for (const [sink, text] of Object.entries(sinks)) {
        expect(leaks(text, secret), `${secret} in ${sink}`).toBe(false);
      }
    });
  });

  describe('PagerDuty notes', () => {
    let fake: FakeAnthropic;
    let h: Harness;
    let pd: FakePagerDuty;
    let webhook: PagerDutyWebhook;
    let server: Server;
    const announced: string[] = [];

    beforeAll(async () => {
      // Arrange: a model that quotes every shape in its diagnosis of a page.
      fake = await startFakeAnthropic([
        {
          content: [
            { type: 'tool_use', name: 'diagnose_service', input: { env: 'prd', service: 'checkout' } },
          ],
        },
        { content: [{ type: 'text', text: `The pods print:\n${PASTE}` }] },
      ]);
      h = await startHarness(200);
      pd = await startFakePagerDuty();
      const { agent } = createAgent(h.jarvis, {
        env: loadEnvSettings({ JARVIS_DATA_DIR: h.dir, LOG_LEVEL: 'silent' }),
        sandbox: true,
        planner: plannerFor(fake, h.jarvis),
      });
      const responder = new IncidentResponder({
        agent,
        config: h.jarvis.config,
        store: h.jarvis.store,
        clock: h.jarvis.clock,
        notes: new PagerDutyClient({ token: pd.token, from: pd.from, baseUrl: pd.url }),
        announce: (text) => {
          announced.push(text);
          return Promise.resolve();
        },
      });
      webhook = createPagerDutyWebhook({
        secrets: ['pd-secret'],
        store: h.jarvis.store,
        clock: h.jarvis.clock,
        respond: (event) => responder.handle(event),
        maxBodyBytes: 64 * 1024,
      });
      server = createServer(webhook);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pagerduty`;

      // Act
      const res = await deliver(url, triggered('PINC077', 'PCHKPRD'), { secrets: ['pd-secret'] });
      expect(res.status).toBe(202);
      await webhook.idle();
    });

    afterAll(async () => {
      await webhook.idle();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pd.close();
      await fake.close();
      await h.close();
    });

    it('posted the diagnosis, redacted', () => {
      expect(pd.notes).toHaveLength(1);
      expect(pd.notes[0]?.content).toContain('The pods print:');
      expect(pd.notes[0]?.content).toContain('[redacted');
    });

    it.each(SECRET_SAMPLES)('$name reaches no note, announcement or audit entry', async ({ secret }) => {
      const audit = JSON.stringify(await h.jarvis.store.listAudit({ limit: 100 }));
      for (const text of [...pd.notes.map((n) => n.content), ...announced, audit]) {
        expect(leaks(text, secret)).toBe(false);
      }
    });
  });
});
