import type { World } from '../world.js';
import type { Reply } from './handler.js';
import type { LogOptions } from './logs.js';
import { wallClockLog } from './wall-clock.js';

/** How often a followed log looks for new lines, in real milliseconds. */
const POLL_MS = 250;
/** Lines read back per look: far more than a container prints between two looks. */
const WINDOW = 2000;
const STAMP = /^(\S+) /;

/**
 * `follow=true` on a pod's log: the log as asked for, then every new line as the container prints it,
 * until the client closes the stream or the pod goes away (the API server ends it then too). Errors the
 * plain log would answer (unknown container, not started) are thrown before the stream opens.
 */
export function followLog(world: World, cluster: string, ns: string, name: string, opts: LogOptions): Reply {
  const stamped: LogOptions = { ...opts, timestamps: true };
  delete stamped.limitBytes;
  const initial = world.kube.podLog(cluster, ns, name, stamped);
  const strip = (line: string): string =>
    opts.timestamps ? wallClockLog(world.clock, line) : line.replace(STAMP, '');
  let last = '';
  const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
  return {
    status: 200,
    body: undefined,
    type: 'text/plain',
    stream: (res) => {
      const send = (batch: string[]): void => {
        const fresh = batch.filter((l) => (STAMP.exec(l)?.[1] ?? '') > last);
        if (fresh.length === 0) return;
        last = STAMP.exec(fresh.at(-1)!)?.[1] ?? last;
        res.write(fresh.map((l) => `${strip(l)}\n`).join(''));
      };
      send(lines(initial));
      const timer = setInterval(() => {
        let text: string;
        try {
          const { sinceSeconds: _s, ...rest } = stamped;
          text = world.kube.podLog(cluster, ns, name, { ...rest, tailLines: WINDOW });
        } catch (err) {
          // Gone, or between two instances of a crashing container: a vanished pod ends the stream.
          if ((err as { code?: number }).code === 404) {
            clearInterval(timer);
            res.end();
          }
          return;
        }
        send(lines(text));
      }, POLL_MS);
      res.on('close', () => clearInterval(timer));
    },
  };
}
