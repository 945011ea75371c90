import { spawn, type ChildProcess } from 'node:child_process';

/** `jarvis serve` in a child process, as an operator runs it. */
export interface ServeProcess {
  child: ChildProcess;
  /** Everything printed on stdout so far (the banner). */
  output(): string;
  /** Everything written on stderr so far (the JSON log lines). */
  logs(): string;
  /** The base URL of its HTTP server, once the banner names it. */
  ready: Promise<string>;
  /** Sends SIGTERM and resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

/** Starts `runServe` (what `jarvis serve` runs) with exactly `env` (plus PATH and HOME). */
export function startServe(env: Record<string, string>): ServeProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', "await (await import('./src/commands/serve.ts')).runServe();"],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner; output: ${out}\n${err}`)), 25_000);
    child.stdout.on('data', () => {
      const m = /Metrics: (http:\/\/[^/\s]+)\/metrics/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code}: ${out}\n${err}`)));
  });
  return {
    child,
    output: () => out,
    logs: () => err,
    ready,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
