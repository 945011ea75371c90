import type { Tool } from '../tools/tool.js';
import type { CallRecord } from './loop.js';

/** Most characters of a result shown as raw JSON when its tool cannot render it. */
const RAW_LIMIT = 2000;

/**
 * One tool call as people read it, rendered from what the tool returned (its typed output, not the
 * bounded copy the model got): through the tool's own `render`, or, when it did not run, as the refusal's
 * cause, code, message and valid options. Every channel and both planners show calls through this, so a
 * release reads the same in the REPL, `jarvis ask` and Slack whoever planned it.
 */
export function renderCall(call: CallRecord, tool: Tool | undefined): string {
  if (call.error) return renderError(call.error, call.tool);
  const text = attempt(tool?.render?.bind(tool), call.output);
  if (text !== undefined) return text;
  const json = JSON.stringify(call.output ?? null, null, 2);
  return json.length > RAW_LIMIT ? `${json.slice(0, RAW_LIMIT)}…` : json;
}

/**
 * {@link renderCall} for a display `width` columns wide (a Slack message): through the tool's
 * `renderNarrow` where it has one, its tables then fitted to the width; otherwise, and for a call that
 * did not run, exactly what {@link renderCall} shows.
 */
export function renderCallNarrow(call: CallRecord, tool: Tool | undefined, width: number): string {
  if (call.error || !tool?.renderNarrow) return renderCall(call, tool);
  return attempt((value) => tool.renderNarrow?.(value, width), call.output) ?? renderCall(call, tool);
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

function renderError(error: NonNullable<CallRecord['error']>, name: string): string {
  const options = error.options && error.options.length > 0 ? error.options : undefined;
  return `${WHY[error.code] ?? `${name} failed`} (${error.code}): ${error.message}${options ? `\nValid options: ${options.join(', ')}.` : ''}`;
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
