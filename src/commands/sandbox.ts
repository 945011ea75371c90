import { once } from 'node:events';
import { loadConfig } from '../config.js';
import { startSandbox } from '../sandbox/index.js';

/**
 * `jarvis sandbox`: runs the sandbox until interrupted and prints, as shell exports, the settings that
 * point Jarvis (or the AWS CLI) at it.
 */
export async function runSandbox(opts: { config: string; port: number; timeScale: number }): Promise<void> {
  const config = loadConfig(opts.config);
  const sandbox = await startSandbox({ config, port: opts.port, timeScale: opts.timeScale });
  const out = process.stdout;
  out.write(`# Jarvis sandbox: AWS endpoint ${sandbox.awsEndpoint}, time x${opts.timeScale}\n`);
  for (const [cluster, url] of Object.entries(sandbox.kubeEndpoints))
    out.write(`#   EKS cluster ${cluster}: ${url}\n`);
  out.write(
    `#   control API ${sandbox.awsEndpoint}/sandbox/state, Prometheus ${sandbox.awsEndpoint}/metrics\n`,
  );
  out.write('# Paste these into the shell that runs Jarvis:\n');
  for (const [key, value] of Object.entries(sandbox.settings()))
    out.write(`export ${key}=${shellQuote(value)}\n`);
  out.write('# Ctrl-C stops the sandbox.\n');
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await sandbox.close();
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
