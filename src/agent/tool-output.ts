import type { AgentSettings } from '../config.js';
import { redactDeep } from '../redact.js';

/**
 * What the model receives of a tool's output: redacted, bounded for the model's context window, and
 * framed so that the data cannot close its frame. Tool output is data from workloads and clusters, never
 * instructions; the system prompt says so, and the frame makes the boundary unforgeable.
 */

/** Rough bytes of JSON per token, on the low side so that a bound in bytes stays within its tokens. */
const BYTES_PER_TOKEN = 3;

/**
 * The most bytes one tool result may take: `agent.toolResultShare` of the configured model's context
 * window (`agent.contextWindowTokens`), never more than the ceiling `agent.toolResultBytes`.
 */
export function toolResultBudget(settings: AgentSettings): number {
  const share = Math.floor(settings.contextWindowTokens * settings.toolResultShare * BYTES_PER_TOKEN);
  return Math.max(1024, Math.min(settings.toolResultBytes, share));
}

/**
 * `text` made unable to open or close a tag: `<`, `>` and `&` become the JSON escapes `\u003c`, `\u003e`
 * and `\u0026`. JSON stays valid JSON meaning the same (the characters only occur inside strings), and
 * the model reads the escapes as the characters they stand for.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The tool's name as it may appear in the frame's attribute: a model can invent any name. */
function attribute(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

/**
 * The content of a tool_result block: the output redacted, summarised to at most `maxBytes` of valid
 * JSON when it is larger, escaped, and wrapped in `<tool_output tool="...">`. Nothing in the output can
 * produce `</tool_output>` or any other tag.
 */
export function frameToolOutput(tool: string, output: unknown, maxBytes: number): string {
  const clean = redactDeep(output);
  const json = typeof clean === 'string' ? clean : (JSON.stringify(clean) ?? 'null');
  const body =
    Buffer.byteLength(escapeMarkup(json)) <= maxBytes
      ? json
      : JSON.stringify(summarise(clean, maxBytes, Buffer.byteLength(json)));
  return `<tool_output tool="${attribute(tool)}">\n${escapeMarkup(body)}\n</tool_output>`;
}

const SEVERITY_RANK: Record<string, number> = {
  critical: 0,
  error: 1,
  high: 1,
  warning: 2,
  medium: 2,
  info: 3,
  low: 3,
};

/** Levels of shrinking, gentlest first: longest string kept, most array items kept. */
const LEVELS: ReadonlyArray<[number, number]> = [
  [2000, 100],
  [1000, 50],
  [500, 20],
  [200, 10],
  [100, 5],
  [60, 3],
  [40, 1],
  [20, 0],
];

/** One list or text that was shortened, for the model to know what it did not see. */
interface Cut {
  path: string;
  kept: number;
  of: number;
}

/**
 * `value` as a JSON object of at most `maxBytes` (escaped): `{ summarised, originalBytes, cuts, result }`
 * where `result` keeps the structure of `value` with lists shortened (most severe items first, when the
 * items carry a `severity`) and long texts cut, and `cuts` says where and by how much, largest first.
 */
export function summarise(value: unknown, maxBytes: number, originalBytes: number): Record<string, unknown> {
  for (const [maxChars, maxItems] of LEVELS) {
    const cuts: Cut[] = [];
    const result = shrink(value, maxChars, maxItems, '$', cuts);
    cuts.sort((a, b) => b.of - b.kept - (a.of - a.kept));
    const summary = {
      summarised: `This result was ${originalBytes} bytes, over the ${maxBytes} allowed: lists were shortened (most severe first) and long texts cut; "cuts" says where.`,
      originalBytes,
      cuts: cuts.slice(0, 20),
      ...(cuts.length > 20 ? { moreCuts: cuts.length - 20 } : {}),
      result,
    };
    if (Buffer.byteLength(escapeMarkup(JSON.stringify(summary))) <= maxBytes) return summary;
  }
  return {
    summarised: `This result was ${originalBytes} bytes, too large to summarise within ${maxBytes}; ask for less (a narrower filter or a smaller limit).`,
    originalBytes,
    ...(value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { keys: Object.keys(value).slice(0, 50) }
      : {}),
  };
}

function shrink(value: unknown, maxChars: number, maxItems: number, path: string, cuts: Cut[]): unknown {
  if (typeof value === 'string') {
    if (value.length <= maxChars) return value;
    cuts.push({ path, kept: maxChars, of: value.length });
    return `${value.slice(0, maxChars)}… [${value.length - maxChars} more characters]`;
  }
  if (Array.isArray(value)) {
    const ordered = bySeverity(value);
    if (ordered.length > maxItems) cuts.push({ path, kept: maxItems, of: ordered.length });
    return ordered.slice(0, maxItems).map((v, i) => shrink(v, maxChars, maxItems, `${path}[${i}]`, cuts));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, shrink(v, maxChars, maxItems, `${path}.${k}`, cuts)]),
    );
  }
  return value;
}

/** Items with a known `severity` most severe first; the order is otherwise kept (a stable sort). */
function bySeverity(items: readonly unknown[]): unknown[] {
  const rank = (v: unknown): number => {
    const s = v !== null && typeof v === 'object' ? (v as { severity?: unknown }).severity : undefined;
    return typeof s === 'string' ? (SEVERITY_RANK[s.toLowerCase()] ?? 4) : 4;
  };
  return items.every((v) => rank(v) === 4) ? [...items] : [...items].sort((a, b) => rank(a) - rank(b));
}
