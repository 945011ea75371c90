import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { READABLE_LINES, SECRET_SAMPLES } from './helpers/secret-samples.js';

describe('the log file', () => {
  let dir: string;
  let written: string;

  beforeAll(() => {
    // Arrange: every shape as a message, a printf argument, a field, a nested field and an error.
    dir = mkdtempSync(join(tmpdir(), 'jarvis-log-'));
    const file = join(dir, 'jarvis.log');
    const logger = createLogger('debug', file, { sync: true });

    // Act
    for (const { line } of SECRET_SAMPLES) {
      logger.info(line);
      logger.warn('tool said %s', line);
      logger.info({ output: line, nested: { lines: [line] } }, 'tool output');
      logger.error({ err: new Error(`upstream: ${line}`) }, 'call failed');
    }
    for (const line of READABLE_LINES) logger.info({ line }, line);
    written = readFileSync(file, 'utf8');
    expect(written.trim().split('\n')).toHaveLength(4 * SECRET_SAMPLES.length + READABLE_LINES.length);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(SECRET_SAMPLES)('never holds $name', ({ secret }) => {
    const decoded = written.split('\n').map((l) => (l ? JSON.stringify(JSON.parse(l)) : ''));
    expect(written).toContain('[redacted');
    for (const line of decoded) {
      const parsed = line ? (JSON.parse(line) as Record<string, unknown>) : {};
      expect(JSON.stringify(Object.values(parsed))).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
  });

  it('keeps ordinary lines readable', () => {
    const lines = written
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; line?: string });
    expect(lines.filter((l) => l.line !== undefined).map((l) => [l.msg, l.line])).toEqual(
      READABLE_LINES.map((l) => [l, l]),
    );
  });
});
