import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxProcess } from '../helpers/sandbox-process.js';

describe('jarvis sandbox --port', () => {
  let dir: string;
  let busy: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-sandbox-cmd-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits with status 1 and says what to do when the port is in use, printing no exports', async () => {
    // Act
    const sandbox = startSandboxProcess(['--port', String(port)], { JARVIS_DATA_DIR: join(dir, 'data') });
    const code = await sandbox.exited;
    // Assert
    expect(code).toBe(1);
    expect(sandbox.errors()).toContain(
      `CONFLICT: Port ${port} on 127.0.0.1 is already in use: stop what listens there, or pick another port with --port (0: any free port).`,
    );
    expect(sandbox.output()).not.toContain('export ');
  }, 30_000);
});
