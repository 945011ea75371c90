import type { Block } from './api.js';
import { context, escapeMrkdwn, section, type MessageView } from './views.js';

/** The context line that opens every answer given on the sandbox. */
export const SANDBOX_CONTEXT =
  ':test_tube: *Sandbox*: simulated AWS and Kubernetes, not your real environments.';

/** Slack's limit on the text of one section block. */
const SECTION_LIMIT = 3000;

/**
 * A reply of the assistant: escaped, with tables (box-drawn lines) kept in code blocks. With `sandbox`,
 * marked as given on the sandbox (see {@link sandboxView}); otherwise plain text, no blocks.
 */
export function answerView(
  text: string,
  options: { sandbox?: boolean } = {},
): { text: string; blocks?: Block[] } {
  const trimmed = text.trim() === '' ? 'Done.' : text.trim();
  const out: string[] = [];
  let table: string[] = [];
  const flush = (): void => {
    if (table.length > 0) out.push(fence(table.join('\n')));
    table = [];
  };
  const lines = trimmed.split('\n');
  const columns = columnLines(lines);
  for (const [i, line] of lines.entries()) {
    if (TABLE_LINE.test(line) || columns.has(i)) {
      table.push(line);
    } else {
      flush();
      out.push(escapeMrkdwn(line));
    }
  }
  flush();
  const body = out.join('\n');
  const view = { text: body.length > 39_000 ? `${body.slice(0, 39_000)}\n…(cut)` : body };
  return options.sandbox ? sandboxView(view) : view;
}

/**
 * `view` (mrkdwn, already escaped) marked as given on the sandbox: the {@link SANDBOX_CONTEXT} line
 * first, then the text in sections; the notification text starts with `[sandbox]`.
 */
export function sandboxView(view: { text: string }): MessageView {
  return { text: `[sandbox] ${view.text}`, blocks: [context(SANDBOX_CONTEXT), ...sections(view.text)] };
}

/**
 * `text` (mrkdwn, already escaped) as section blocks within Slack's limit, cut between lines (a longer
 * line is cut where it must); a code block cut in two is closed at the end of one section and opened
 * again in the next.
 */
export function sections(text: string): Block[] {
  const fence = '```';
  // Room for the lines of one section, keeping space to close a code block ("\n```").
  const room = SECTION_LIMIT - fence.length - 1;
  // The longest piece of a line, so that it fits even after a reopened code block ("```\n").
  const longest = room - fence.length - 2;
  const blocks: Block[] = [];
  let lines: string[] = [];
  let size = 0;
  let inFence = false;
  const flush = (): void => {
    if (lines.length === 0) return;
    blocks.push(section(inFence ? `${lines.join('\n')}\n${fence}` : lines.join('\n')));
    lines = inFence ? [fence] : [];
    size = inFence ? fence.length + 1 : 0;
  };
  for (const line of text.split('\n')) {
    for (let at = 0; at === 0 || at < line.length; at += longest) {
      const piece = line.slice(at, at + longest);
      if (size + piece.length + 1 > room) flush();
      lines.push(piece);
      size += piece.length + 1;
      if (piece.trim() === fence) inFence = !inFence;
    }
  }
  flush();
  return blocks;
}

const TABLE_LINE = /[┌┐└┘├┤┬┴┼│─]/;

/**
 * The lines of space-aligned tables (a header over a rule of ─, then rows up to a blank line), which need
 * a code block's fixed-width font as much as box-drawn ones.
 */
function columnLines(lines: readonly string[]): Set<number> {
  const marked = new Set<number>();
  for (const [i, line] of lines.entries()) {
    if (i === 0 || !/^─{3,}$/.test(line) || lines[i - 1]!.trim() === '') continue;
    marked.add(i - 1);
    for (let j = i; j < lines.length && lines[j]!.trim() !== ''; j++) marked.add(j);
  }
  return marked;
}

/**
 * The widest line of a code block in a message: Slack wraps longer ones, which breaks a table apart.
 * Tools fit their tables to it (Tool.renderNarrow); a line still longer is folded here.
 */
export const SLACK_COLUMNS = 100;

/**
 * Text in a code block; inside one, Slack still needs &, < and > escaped. A line longer than
 * {@link SLACK_COLUMNS} is folded onto the next lines (a result whose tool has no narrow form).
 */
export function fence(text: string): string {
  const lines = text
    .replace(/```/g, "'''")
    .split('\n')
    .flatMap((line) => {
      const pieces: string[] = [];
      for (let at = 0; at === 0 || at < line.length; at += SLACK_COLUMNS) {
        pieces.push(line.slice(at, at + SLACK_COLUMNS));
      }
      return pieces;
    });
  return '```\n' + escapeMrkdwn(lines.join('\n')) + '\n```';
}

/**
 * A part of an answer as a Slack message: the text escaped with its tables in code blocks, opened by the
 * sandbox's context line on the sandbox, and `footer` (mrkdwn, escaped) as context lines under it.
 * Always in blocks, so that every edit replaces the whole message.
 */
export function answerMessageView(
  text: string,
  footer: readonly string[],
  options: { sandbox: boolean },
): MessageView {
  const body = text.trim() === '' && footer.length > 0 ? '' : answerView(text).text;
  const blocks: Block[] = [
    ...(options.sandbox ? [context(SANDBOX_CONTEXT)] : []),
    ...(body === '' ? [] : sections(body)),
    ...footer.map(context),
  ];
  const plain = body === '' ? 'Links for this release' : body;
  return { text: options.sandbox ? `[sandbox] ${plain}` : plain, blocks };
}
