import { SECRET_NAME, SECRET_SHAPES } from './redact-shapes.js';

export { SECRET_SHAPES, type SecretShape } from './redact-shapes.js';

/**
 * Redaction of secrets from everything that leaves Jarvis's hands: tool output on its way to the model,
 * Slack messages, PagerDuty notes, log lines and the audit log. There is one table of shapes
 * (src/redact-shapes.ts); every sink goes through {@link redact} or {@link redactDeep}.
 */

/** `text` with every recognised secret replaced by a `[redacted ...]` marker. Idempotent. */
export function redact(text: string): string {
  let out = text;
  for (const { pattern, replace } of SECRET_SHAPES) {
    out = typeof replace === 'string' ? out.replace(pattern, replace) : out.replace(pattern, replace);
  }
  return out;
}

/** A whole object key that names a secret: its value is redacted whatever it looks like. */
const SECRET_KEY = new RegExp(`^[A-Za-z0-9_.-]*${SECRET_NAME}[A-Za-z0-9_.-]*$`, 'i');

/**
 * A JSON-like value with every string passed through {@link redact}, and the string value of every key
 * that names a secret (`password`, `routing_key`, `apiKey`...) replaced by `[redacted]`. Structure is
 * kept, so what was valid JSON stays valid JSON. Cycles are not followed (they become `[cycle]`).
 */
export function redactDeep<T>(value: T): T {
  return deep(value, new WeakSet()) as T;
}

function deep(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => deep(v, seen));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redact(value.message),
      ...(value.stack ? { stack: redact(value.stack) } : {}),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const secret = typeof v === 'string' && v !== '' && !v.startsWith('[redacted') && SECRET_KEY.test(k);
    out[k] = secret ? '[redacted]' : deep(v, seen);
  }
  return out;
}

/**
 * `text` cut to at most `maxBytes` of UTF-8, on a character boundary, with a note of how much was left
 * out so a reader (or the model) knows the picture is partial.
 */
export function bound(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const NOTE_BYTES = 80; // room for the note below
  let cut = Buffer.from(text)
    .subarray(0, Math.max(0, maxBytes - NOTE_BYTES))
    .toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return `${cut}\n[... ${bytes} bytes in all; the last ${bytes - Buffer.byteLength(cut)} bytes were left out]`;
}
