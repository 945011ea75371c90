import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** `jarvis sandbox` in a child process, as a person starts it in a terminal. */
export interface SandboxProcess {
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  output(): string;
  /** Everything written on stderr so far. */
  errors(): string;
  /** The exports it printed, parsed as a shell would (single quotes), once it printed KUBECONFIG. */
  ready: Promise<Record<string, string>>;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `jarvis sandbox <args>` (the CLI's own entry) with `env` plus PATH and HOME. */
export function startSandboxProcess(args: string[], env: Record<string, string>): SandboxProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sandbox', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exports printed; output: ${out}\n${err}`)), 30_000);
    child.stdout.on('data', () => {
      if (!/^export KUBECONFIG=/m.test(out)) return;
      clearTimeout(timer);
      resolve(parseExports(out));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${out}\n${err}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    output: () => out,
    errors: () => err,
    ready,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** `export KEY=value` lines as a POSIX shell reads them (bare words and '...' quoting). */
export function parseExports(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_][A-Z0-9_]*)=(.*)$/gm)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return out;
}

/** What a command printed and its exit status. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end with exactly `env`; a command that is not installed fails the test clearly. */
export function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Ran {
  const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${command} is not installed: this test needs the real ${command} on PATH (see .ci/run)`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
