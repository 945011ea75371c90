import type { Tool } from '../tools/tool.js';
import { record } from '../tools/text.js';
import type { ContentBlock, Message } from './types.js';

/** Most characters of a result shown as raw JSON when its tool cannot render it. */
const RAW_LIMIT = 2000;

/**
 * The tool results at the end of `messages` as people read them: each through its tool's `render`, an
 * error as its code, message and valid options. The results are the loop's bounded, redacted copies
 * wrapped in `<tool_output>`; a copy that was cut is no longer JSON and is shown as text.
 */
export function renderResults(messages: readonly Message[], tools: ReadonlyMap<string, Tool>): string {
  const last = messages[messages.length - 1];
  const calls = new Map<string, string>();
  for (const m of messages) {
    for (const b of m.content) if (b.type === 'tool_use') calls.set(b.id, b.name);
  }
  const parts: string[] = [];
  for (const block of last?.content ?? []) {
    if (block.type !== 'tool_result') continue;
    const name = calls.get(block.tool_use_id) ?? 'tool';
    parts.push(renderOne(block, name, tools.get(name)));
  }
  return parts.join('\n\n');
}

function renderOne(
  block: Extract<ContentBlock, { type: 'tool_result' }>,
  name: string,
  tool: Tool | undefined,
): string {
  const body = unwrap(block.content);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body.length > RAW_LIMIT ? `${body.slice(0, RAW_LIMIT)}…` : body;
  }
  if (block.is_error) return renderError(value, name);
  const text = attempt(tool?.render?.bind(tool), value);
  if (text !== undefined) return text;
  const json = JSON.stringify(value, null, 2);
  return json.length > RAW_LIMIT ? `${json.slice(0, RAW_LIMIT)}…` : json;
}

/** What `render` makes of `value`; undefined when there is no renderer, or it gave up or threw. */
function attempt(
  render: ((value: unknown) => string | undefined) | undefined,
  value: unknown,
): string | undefined {
  try {
    return render?.(value);
  } catch {
    return undefined;
  }
}

function renderError(value: unknown, name: string): string {
  const error = record(record(value)?.error);
  if (!error) return `${name} failed.`;
  const options = Array.isArray(error.options) && error.options.length > 0 ? error.options : undefined;
  const code = typeof error.code === 'string' ? error.code : 'ERROR';
  const message = typeof error.message === 'string' ? error.message : 'no detail';
  return `${WHY[code] ?? `${name} failed`} (${code}): ${message}${options ? `\nValid options: ${options.join(', ')}.` : ''}`;
}

const WHY: Record<string, string> = {
  DENIED: 'Not allowed',
  DECLINED: 'Cancelled',
  MFA_FAILED: 'Not done',
  MFA_UNAVAILABLE: 'Not done',
  APPROVAL_REQUIRED: 'Not done',
  NOT_APPROVED: 'Not done',
  APPROVAL_STALE: 'Not done',
  READ_ONLY: 'Not allowed',
  ROLE_REQUIRED: 'Not allowed',
  PROMOTION_ORDER: 'Not allowed',
  NOT_PROMOTED: 'Not allowed',
  ROLLBACK_NOT_ALLOWED: 'Not allowed',
  FROZEN: 'Not allowed',
  BREAK_GLASS_REFUSED: 'Not allowed',
  CHANNEL_NOT_ALLOWED: 'Not allowed',
};

/** The JSON inside the loop's `<tool_output tool="...">` wrapper (the body itself when unwrapped). */
function unwrap(content: string): string {
  const m = /^<tool_output[^>]*>\n?([\s\S]*?)\n?<\/tool_output>$/.exec(content.trim());
  return m ? m[1]! : content;
}
