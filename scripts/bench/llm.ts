import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../../src/agent/factory.js';
import type { Interaction } from '../../src/agent/types.js';
import { startJarvis } from '../../src/app.js';
import { loadEnvSettings } from '../../src/config/env.js';
import type { Figure } from './stats.js';

const quiet: Interaction = {
  confirm: () => Promise.resolve(false),
  mfa: () => Promise.resolve({ ok: false, reason: 'invalid', message: 'none' }),
  progress: () => undefined,
};

/**
 * A hung Anthropic API (it takes the request and never answers), with the production defaults (the
 * client, its retries and the planner's bounds, as `ANTHROPIC_API_KEY` wires them): how long a person
 * waits for an answer, which the offline planner then gives. Timed from the person's request (the call
 * of the turn, before any connection is opened) to the turn's answer.
 */
export async function benchHungApi(): Promise<Figure[]> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-llm-'));
  const env = loadEnvSettings({
    JARVIS_DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ANTHROPIC_API_KEY: 'bench-key',
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  const jarvis = await startJarvis({ env, sandbox: true, storePath: join(dir, 'jarvis.db') });
  try {
    const { agent } = createAgent(jarvis, { env, sandbox: true });
    const actor = { id: 'bench', role: 'viewer' as const, channel: 'cli' as const };
    const t0 = performance.now();
    const result = await agent.turn('bench', actor, 'status of dev', quiet);
    const seconds = (performance.now() - t0) / 1000;
    if (result.planner !== 'offline') throw new Error(`expected the offline planner: ${result.text}`);
    return [
      {
        name: 'hung Anthropic API: time to the answer',
        value: seconds,
        unit: 's',
        goal: '≤ 15',
        ok: seconds <= 15,
        note: `first-byte bound ${env.ANTHROPIC_FIRST_BYTE_TIMEOUT_MS / 1000} s`,
      },
    ];
  } finally {
    await jarvis.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
