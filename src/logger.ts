import { pino, type Logger } from 'pino';
import { redact, redactDeep } from './redact.js';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: codes, secrets and tokens, wherever they are nested. Tool
 * output is redacted by the tools themselves before it is logged; this is the second net.
 */
const REDACT = [
  '*.code',
  '*.totp',
  '*.otp',
  '*.secret',
  '*.token',
  '*.password',
  '*.authorization',
  '*.apiKey',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
];

/**
 * The process logger: JSON lines on stderr (or a file, for the REPL, whose terminal is the person's), so
 * stdout stays the channel's (REPL output, printed settings). Every line goes through the one redaction
 * table (src/redact-shapes.ts): the message and every string of the merged object. `sync`: each line is
 * written before the call returns (for tests and short-lived commands); default buffered.
 */
export function createLogger(
  level = 'info',
  destination: number | string = 2,
  options: { sync?: boolean } = {},
): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { app: 'jarvis' },
      formatters: { log: (object) => redactDeep(object) },
      hooks: {
        logMethod(args, method) {
          // The message and its printf-style arguments; the merged object is the formatter's.
          const redacted = args.map((a) => (typeof a === 'string' ? redact(a) : a)) as typeof args;
          method.apply(this, redacted);
        },
      },
    },
    pino.destination(
      typeof destination === 'string'
        ? { dest: destination, mkdir: true, sync: options.sync === true }
        : { dest: destination, sync: options.sync === true },
    ),
  );
}
