import type { Logger } from './logger.js';

/**
 * Sends what libraries print as warnings to `logger`, so the log stream holds JSON lines only: the
 * process's warnings (`process.emitWarning`, e.g. the AWS SDK's notice about Node versions), which Node
 * would print as plain text on stderr, and `console.warn` (e.g. the Anthropic SDK's notice about a
 * deprecated model). Returns a function that puts Node's own handling back.
 */
export function logWarnings(logger: Logger): () => void {
  const defaults = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (warning: Error & { code?: string }): void => {
    logger.warn(
      { warning: warning.name, ...(warning.code ? { code: warning.code } : {}), detail: warning.message },
      firstLine(warning.message),
    );
  };
  process.on('warning', onWarning);
  const consoleWarn = console.warn;
  console.warn = (...args: unknown[]): void => {
    const text = args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
    logger.warn({ warning: 'console', detail: text }, firstLine(text));
  };
  return () => {
    process.off('warning', onWarning);
    for (const listener of defaults) process.on('warning', listener);
    console.warn = consoleWarn;
  };
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
