import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { NewDeployment } from '../../src/store/store.js';

/** A temporary directory for database files, removed by `cleanup`. */
export interface TempDir {
  dir: string;
  file(name?: string): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-store-'));
  return {
    dir,
    file: (name = 'jarvis.db') => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens stores on the directory's `jarvis.db`; `closeAll` closes every store it opened. */
export function storeFactory(t: TempDir): { open(): SqliteStore; closeAll(): Promise<void> } {
  const opened: SqliteStore[] = [];
  return {
    open() {
      const store = new SqliteStore({ file: t.file(), busyTimeoutMs: 10_000 });
      opened.push(store);
      return store;
    },
    async closeAll() {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
}

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export function deployment(overrides: Partial<NewDeployment> = {}): NewDeployment {
  return {
    env: 'prd',
    service: 'checkout',
    version: '1.3.0',
    colour: 'green',
    previousVersion: '1.2.0',
    previousColour: 'blue',
    strategy: 'blue-green',
    actor: 'alice',
    startedAt: T0,
    ...overrides,
  };
}

/** Runs a fixture script of this directory in a child Node process; resolves with its exit and output. */
export function runFixture(
  name: string,
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
