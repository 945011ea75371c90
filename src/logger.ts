import { pino, type Logger } from 'pino';

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
 * stdout stays the channel's (REPL output, printed settings).
 */
export function createLogger(level = 'info', destination: number | string = 2): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'jarvis' } },
    pino.destination(typeof destination === 'string' ? { dest: destination, mkdir: true } : destination),
  );
}
