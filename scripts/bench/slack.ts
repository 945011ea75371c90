import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { startFakeSlack, type FakeSlack } from '../../test/helpers/fake-slack.js';
import { messageEvent, signedRequest } from '../../test/helpers/slack-requests.js';
import { median, percentile, type Figure } from './stats.js';

export const SECRET = 'bench-signing-secret';
export const CHANNEL = 'C0JARVISCI';

/** POSTs a prepared body; resolves with the status and the time to the response's end, in ms. */
function timedPost(
  url: URL,
  agent: HttpAgent,
  prepared: { headers: Record<string, string>; body: string },
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { method: 'POST', agent, headers: prepared.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(prepared.body);
  });
}

/** Waits until every thread in `threads` has a reply, or `timeoutMs` passes; resolves with how many did. */
async function replies(slack: FakeSlack, threads: readonly string[], timeoutMs: number): Promise<number> {
  const wanted = new Set(threads);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = new Set(
      slack
        .callsOf('chat.postMessage')
        .map((c) => String(c.params.thread_ts))
        .filter((t) => wanted.has(t)),
    );
    if (answered.size === wanted.size || Date.now() > deadline) return answered.size;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Asks a running `jarvis serve` each of `texts` in #jarvis-ci, one after the other, each in a thread of
 * its own (a signed `message` event to its `/slack/events`), and waits for the answer in that thread.
 * Resolves with how many were answered within `timeoutMs` each.
 */
export async function askInSlack(
  base: string,
  slack: FakeSlack,
  texts: readonly string[],
  timeoutMs = 60_000,
): Promise<number> {
  const http = new HttpAgent({ keepAlive: true });
  let answered = 0;
  try {
    for (const [i, text] of texts.entries()) {
      const ts = `${1_800_000_000 + i}.000100`;
      const body = JSON.stringify(messageEvent({ channel: CHANNEL, user: 'U0BENCH0', text, ts }));
      const sent = await timedPost(
        new URL(`${base}/slack/events`),
        http,
        signedRequest(SECRET, body, 'application/json'),
      );
      if (sent.status === 200) answered += await replies(slack, [ts], timeoutMs);
    }
    return answered;
  } finally {
    http.destroy();
  }
}

/** How `jarvis serve` is started: built (bin/jarvis.js after `npm run build`), or from the sources (tsx loader, as bin/jarvis.js runs them without a build). */
type Variant = 'tsx' | 'compiled';

/** A running `jarvis serve` child process and its base URL. */
export interface Child {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'jarvis-bench', 'dist');

let built = false;

/** Builds the sources into node_modules/.cache (resolution still finds node_modules), once per run. */
export function build(): void {
  if (built) return;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('the build for the compiled variant failed');
  built = true;
}

/** A `jarvis sandbox` child process: the settings it printed (its exports), and how to stop it. */
export interface SandboxProcess {
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The sandbox in a process of its own (`jarvis sandbox`, built), so that neither the measured server nor
 * this process (the client whose clock times the acks) pays for its CPU. Resolves with its settings.
 */
export async function startSandboxProcess(): Promise<SandboxProcess> {
  const child = spawn(
    process.execPath,
    [
      join(BUILD_DIR, 'src', 'cli.js'),
      'sandbox',
      '--port',
      '0',
      '--time-scale',
      '1',
      '--config',
      SANDBOX_CONFIG_PATH,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const settings = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox did not start: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('# Ctrl-C')) return;
      clearTimeout(timer);
      const exports = [...out.matchAll(/^export (\w+)=(\S+)$/gm)].map((m): [string, string] => [
        m[1]!,
        m[2]!.replace(/^'|'$/g, ''),
      ]);
      resolve(Object.fromEntries(exports));
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}): ${out}`)));
  });
  return {
    settings,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** A started child process as a {@link Child}: `stop` sends SIGTERM and waits for the exit. */
function running(child: ChildProcess, url: string): Child {
  return {
    pid: child.pid!,
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The floor server (scripts/bench/ack-floor.ts) in a process of its own. */
async function startFloor(): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts', 'bench', 'ack-floor.ts'), SECRET],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the floor server exited (${code})`)));
  });
  return running(child, url);
}

/** `jarvis serve <options>` as a child process; resolves once it prints where its metrics are. */
export async function startServe(
  variant: Variant,
  env: Record<string, string>,
  options: readonly string[] = [],
): Promise<Child> {
  const args =
    variant === 'tsx'
      ? ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve', ...options]
      : [join(BUILD_DIR, 'src', 'cli.js'), 'serve', ...options];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jarvis serve did not start: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Metrics: (http:\/\/\S+)\/metrics/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`jarvis serve exited (${code}): ${out}`)));
  });
  return running(child, url);
}

/** Resident set size of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) / 1024;
}

/** RSS once the process has sat idle for `settleMs` (V8 returns start-up garbage after a few seconds idle). */
export async function idleRss(pid: number, settleMs: number): Promise<{ start: number; idle: number }> {
  const start = rssMb(pid);
  await new Promise((r) => setTimeout(r, settleMs));
  return { start, idle: rssMb(pid) };
}

/**
 * Ack latency: bursts of `concurrency` signed `message` events ("status of dev", which runs a tool against
 * the sandbox) sent at once to `/slack/events`, each timed from the request to Slack's 200. Every event must
 * get its answer in its thread (none dropped).
 */
async function ackLatency(
  base: string,
  slack: FakeSlack | undefined,
  concurrency: number,
  bursts: number,
): Promise<{ cold: number[]; times: number[]; sent: number; acked: number; answered: number }> {
  const url = new URL(`${base}/slack/events`);
  const http = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  let n = 0;
  const burst = async (size: number) => {
    const threads: string[] = [];
    const prepared = Array.from({ length: size }, () => {
      n += 1;
      const ts = `${1_900_000_000 + n}.${String(n).padStart(6, '0')}`;
      threads.push(ts);
      const body = JSON.stringify(
        messageEvent({ channel: CHANNEL, user: `U0BENCH${n % 10}`, text: 'status of dev', ts }),
      );
      return signedRequest(SECRET, body, 'application/json');
    });
    const results = await Promise.all(prepared.map((p) => timedPost(url, http, p)));
    // The floor server answers nothing in threads; a pause stands for the time the answers take.
    if (!slack) await new Promise((r) => setTimeout(r, 500));
    return { results, answered: slack ? await replies(slack, threads, 60_000) : size };
  };
  try {
    // The first burst opens the connections (Slack's to Jarvis, Jarvis's to the APIs) and warms the JIT.
    const cold = await burst(concurrency);
    const times: number[] = [];
    let sent = 0;
    let acked = 0;
    let answered = 0;
    for (let i = 0; i < bursts; i++) {
      const b = await burst(concurrency);
      sent += b.results.length;
      acked += b.results.filter((r) => r.status === 200).length;
      answered += b.answered;
      times.push(...b.results.map((r) => r.ms));
    }
    return { cold: cold.results.map((r) => r.ms), times, sent, acked, answered };
  } finally {
    http.destroy();
  }
}

/**
 * `jarvis serve` as a real child process (Slack over HTTP against a fake Slack API, /metrics), pointed at a
 * sandbox in a third process so that the sandbox's own CPU and memory are not counted: its idle RSS, built
 * (`node dist/src/cli.js serve`, what bin/jarvis.js runs after `npm run build`) and from the sources (tsx loader,
 * what it runs without a build), and the ack latency of its Slack endpoint under bursts of concurrent
 * signed events, beside the same bursts sent to a bare signature-checking server (the floor).
 */
export async function benchSlack(concurrency = 100, bursts = 10, settleMs = 30_000): Promise<Figure[]> {
  build();
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-serve-'));
  const slack = await startFakeSlack({ channels: { [CHANNEL]: 'jarvis-ci' } });
  const sandbox = await startSandboxProcess();
  const env = {
    ...sandbox.settings,
    JARVIS_DATA_DIR: dir,
    JARVIS_MFA_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const figures: Figure[] = [];
  try {
    for (const variant of ['compiled', 'tsx'] as const) {
      const child = await startServe(variant, env);
      try {
        const rss = await idleRss(child.pid, settleMs);
        const label = variant === 'tsx' ? 'from the sources (tsx loader)' : 'built (node dist/src/cli.js)';
        figures.push({ name: `jarvis serve RSS at start, ${label}`, value: rss.start, unit: 'MB' });
        figures.push({
          name: `jarvis serve RSS idle ${settleMs / 1000} s, ${label}`,
          value: rss.idle,
          unit: 'MB',
          ...(variant === 'compiled' ? { goal: '< 150', ok: rss.idle < 150 } : {}),
        });
        if (variant === 'compiled') {
          const ack = await ackLatency(child.url, slack, concurrency, bursts);
          const p99 = percentile(ack.times, 0.99);
          const floorServer = await startFloor();
          const floor = await ackLatency(floorServer.url, undefined, concurrency, bursts).finally(() =>
            floorServer.stop(),
          );
          const floorP99 = percentile(floor.times, 0.99);
          figures.push(
            {
              name: `slack ack, first burst of ${concurrency} (cold connections), p99`,
              value: percentile(ack.cold, 0.99),
              unit: 'ms',
            },
            {
              name: `slack ack, ${concurrency} concurrent signed events, median`,
              value: median(ack.times),
              unit: 'ms',
            },
            {
              name: `slack ack, ${concurrency} concurrent signed events, p99 of ${bursts} bursts`,
              value: p99,
              unit: 'ms',
              goal: '< 50',
              ok: p99 < 50,
            },
            {
              name: `slack ack, same bursts to a bare signature-checking server (floor), p99`,
              value: floorP99,
              unit: 'ms',
            },
            {
              name: 'slack ack p99, jarvis serve over the floor',
              value: p99 - floorP99,
              unit: 'ms',
            },
            {
              name: 'slack events acked (200) and answered in their thread',
              value: (100 * Math.min(ack.acked, ack.answered)) / ack.sent,
              unit: '%',
              goal: '= 100',
              ok: ack.acked === ack.sent && ack.answered === ack.sent,
            },
          );
        }
      } finally {
        await child.stop();
      }
    }
    return figures;
  } finally {
    await sandbox.stop();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
