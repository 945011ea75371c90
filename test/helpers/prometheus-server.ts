import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A real Prometheus server started for a test, and how to stop it. */
export interface PrometheusServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts Debian's `prometheus` (the package `.ci/run` installs) on a free loopback port, scraping
 * `target` (host:port) at `metricsPath` every second, with its TSDB in a temporary folder. Resolves
 * once `/-/ready` answers; throws when the binary is missing, so a test cannot pass without it.
 */
export async function startPrometheus(target: string, metricsPath = '/metrics'): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: sandbox',
      `    metrics_path: ${metricsPath}`,
      `    static_configs: [{ targets: ['${target}'] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`prometheus could not start (${err.message}): install Debian's prometheus package`)),
    );
    child.once('exit', (code) => reject(new Error(`prometheus exited with ${code}: ${stderr.slice(-2000)}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([ready(url), failed]);
  } catch (err) {
    await close();
    throw err;
  }
  failed.catch(() => undefined);
  return { url, close };
}

async function ready(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/-/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await delay(100);
  }
  throw new Error(`prometheus at ${url} was not ready after 30 s`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
