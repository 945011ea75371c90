import { once } from 'node:events';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Sandbox } from '@jarvis/sandbox';
import { loadConfig } from '../config.js';
import { loadEnvSettings } from '../config/env.js';
import { loadSandbox } from '../mode.js';

/**
 * `jarvis sandbox`: runs the sandbox until interrupted, writes a kubeconfig per cluster into the data
 * directory, and prints, as shell exports, the settings that point Jarvis, the AWS CLI (v1 and v2) and
 * kubectl at it. A port in use rejects (a JarvisError CONFLICT) before anything is printed.
 */
export async function runSandbox(opts: { config: string; port: number; timeScale: number }): Promise<void> {
  const config = loadConfig(opts.config);
  const dataDir = resolve(loadEnvSettings().JARVIS_DATA_DIR);
  const { startSandbox } = await loadSandbox();
  const sandbox = await startSandbox({ config, port: opts.port, timeScale: opts.timeScale });
  let kubeconfigs: Record<string, string>;
  try {
    kubeconfigs = writeKubeconfigs(sandbox, dataDir);
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const out = process.stdout;
  out.write(`# Jarvis sandbox: AWS endpoint ${sandbox.awsEndpoint}, time x${opts.timeScale}\n`);
  for (const [cluster, url] of Object.entries(sandbox.kubeEndpoints))
    out.write(`#   EKS cluster ${cluster}: ${url}, kubeconfig ${kubeconfigs[cluster]}\n`);
  out.write(
    `#   control API ${sandbox.awsEndpoint}/sandbox/state, Prometheus ${sandbox.awsEndpoint}/metrics\n`,
  );
  out.write('# Paste these into the shell that runs Jarvis, the AWS CLI or kubectl:\n');
  for (const [key, value] of Object.entries(sandbox.settings()))
    out.write(`export ${key}=${shellQuote(value)}\n`);
  out.write(`export KUBECONFIG=${shellQuote(Object.values(kubeconfigs).join(':'))}\n`);
  const first = Object.keys(kubeconfigs)[0];
  if (first !== undefined)
    out.write(`# kubectl uses ${first} by default; pick a cluster with --context <cluster>.\n`);
  out.write('# Ctrl-C stops the sandbox.\n');
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await sandbox.close();
}

/**
 * Writes `<dataDir>/kubeconfig-<cluster>.yaml` for each cluster (mode 0600: it holds a token) and returns
 * the absolute path of each, by cluster.
 */
export function writeKubeconfigs(
  sandbox: Pick<Sandbox, 'kubeconfigs'>,
  dataDir: string,
): Record<string, string> {
  mkdirSync(dataDir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [cluster, yaml] of Object.entries(sandbox.kubeconfigs())) {
    const file = join(dataDir, `kubeconfig-${cluster}.yaml`);
    writeFileSync(file, yaml, { mode: 0o600 });
    chmodSync(file, 0o600); // an older file keeps its mode otherwise
    paths[cluster] = file;
  }
  return paths;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
