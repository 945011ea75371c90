import { describe, expect, it } from 'vitest';
import { columns, textTable, wrap } from '../../src/tools/text.js';

const longest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));
/** The words of `text`, whatever the lines and table borders around them. */
const words = (text: string): string[] => text.split(/[\s│┌┐└┘├┤┬┴┼─]+/).filter(Boolean);

describe('text tables fitted to a width', () => {
  const reason =
    'analysis failed at 25%: error rate 12.50% above the 1.00% limit over 3 windows (new colour green, 1843 requests)';
  const rows = [
    { cells: ['1.3.1-errors', 'checkout', '2026-01-02', '3m 05s', 'ROLLBACK'], note: `Reason: ${reason}` },
    { cells: ['1.3.0', 'checkout', '2026-01-01', '2m 40s', 'SUCCESS'] },
  ];
  const head = ['Version', 'Service', 'Date', 'Duration', 'Status'];

  it('lays out space-aligned columns as wide as their cells without a width', () => {
    expect(columns(head, rows)).toBe(
      [
        'Version       Service   Date        Duration  Status',
        '─'.repeat(54),
        '1.3.1-errors  checkout  2026-01-02  3m 05s    ROLLBACK',
        `  └─ Reason: ${reason}`,
        '1.3.0         checkout  2026-01-01  2m 40s    SUCCESS',
      ].join('\n'),
    );
  });

  it('is the same table at a width it fits', () => {
    expect(columns(head, rows.slice(1), 100)).toBe(columns(head, rows.slice(1)));
    expect(textTable(head, [rows[1]!.cells], 100)).toBe(textTable(head, [rows[1]!.cells]));
  });

  it('wraps a note under itself, and a wide cell within its column, to fit the width', () => {
    const wide = [{ cells: ['1.3.0', 'x'.repeat(30) + ' ' + 'checkout '.repeat(10), 'SUCCESS'] }];

    const notes = columns(head, rows, 60);
    const cells = columns(['Version', 'Service', 'Status'], wide, 60);

    expect(longest(notes)).toBeLessThanOrEqual(60);
    expect(notes.split('\n')[3]).toMatch(/^ {2}└─ Reason: analysis failed/);
    expect(notes.split('\n')[4]).toMatch(/^ {5}\S/);
    expect(words(notes)).toEqual(words(columns(head, rows)));
    expect(longest(cells)).toBeLessThanOrEqual(60);
    expect(cells.split('\n')[2]).toMatch(/^1\.3\.0 +x{30} checkout +SUCCESS$/);
    expect(words(cells)).toEqual(
      expect.arrayContaining(words(columns(['Version', 'Service', 'Status'], wide))),
    );
  });

  it('narrows the widest column of a box-drawn table and wraps its cells, cutting nothing', () => {
    const problems = Array.from({ length: 6 }, (_, i) => `10.0.1.${i}:8080 unhealthy (Target.Timeout)`).join(
      '; ',
    );
    const head6 = ['colour', 'role', 'version', 'ready', 'targets healthy', 'problems'];
    const row = ['blue', 'stable', '1.3.0', '2/3', '1/3', problems];

    const table = textTable(head6, [row], 100);

    expect(longest(textTable(head6, [row]))).toBeGreaterThan(100);
    expect(longest(table)).toBeLessThanOrEqual(100);
    expect(words(table).join(' ')).toBe(words(textTable(head6, [row])).join(' '));
  });

  it.each([
    ['fits', 'a b c', 10, ['a b c']],
    ['breaks between words', 'deploy checkout to prd', 10, ['deploy', 'checkout', 'to prd']],
    ['breaks inside a word longer than a line', 'abcdefghijkl', 5, ['abcde', 'fghij', 'kl']],
    ['keeps its own line breaks', 'a\nb', 10, ['a', 'b']],
    ['is left whole for an unbounded width', 'a\nb', Infinity, ['a\nb']],
  ])('wrap %s', (_, text, width, lines) => {
    expect(wrap(text, width)).toEqual(lines);
  });
});
