import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ScaledClock } from '../../src/clock.js';
import { loadConfig, parseConfig, SANDBOX_CONFIG_PATH, type LoadedConfig } from '../../src/config.js';
import type { Actor } from '../../src/policies/types.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { toolRegistry } from '../../src/tools/index.js';
import type { Tool } from '../../src/tools/tool.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** The shipped sandbox configuration: dev → tst → prd, tst and prd want upstream success, prd wants MFA. */
export function sandboxConfig(): LoadedConfig {
  return loadConfig(SANDBOX_CONFIG_PATH);
}

/** The sandbox configuration with `edits` (path → value) applied, validated like any configuration. */
export function configWith(edits: ReadonlyArray<[path: readonly string[], value: unknown]>): LoadedConfig {
  const doc = parseDocument(readFileSync(SANDBOX_CONFIG_PATH, 'utf8'));
  for (const [path, value] of edits) doc.setIn(path, value);
  return parseConfig(doc.toString(), 'variant of sandbox.yaml');
}

export function tool(name: string): Tool {
  const found = toolRegistry().get(name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

export function actor(id: string, role: Actor['role'], extra: Partial<Actor> = {}): Actor {
  return { id, role, channel: 'repl', ...extra };
}

export const clock = new ScaledClock(1, T0);

/** Records a finished SUCCESS deployment of `service` `version` in `env`. */
export async function succeeded(store: Store, env: string, service: string, version: string): Promise<void> {
  const d = await store.startDeployment({
    env,
    service,
    version,
    colour: 'green',
    strategy: 'blue-green',
    actor: 'alice',
    startedAt: T0 - 3_600_000,
  });
  await store.finishDeployment(d.id, 'SUCCESS', undefined, T0 - 3_000_000);
}

export function memoryStore(): SqliteStore {
  return new SqliteStore(':memory:');
}
