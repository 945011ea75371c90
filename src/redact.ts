/**
 * Redaction of secrets from text that leaves Jarvis's hands: tool output on its way to the model, Slack,
 * logs and the audit log. Patterns are deliberately broad; a false positive costs a `[redacted]` in a log
 * line, a false negative costs a leaked credential.
 */
const RULES: Array<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // PEM private keys, whole block.
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    '[redacted private key]',
  ],
  // AWS access key ids and secret keys next to their names.
  [/\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, '[redacted aws key id]'],
  [/(aws_?secret_?access_?key|secretAccessKey)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/gi, '$1$2[redacted]'],
  // JWTs (three base64url parts, the first a JSON header).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[redacted jwt]'],
  // EKS tokens and bearer/basic authorization values.
  [/\bk8s-aws-v1\.[A-Za-z0-9_-]+/g, '[redacted eks token]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  // Slack, GitHub and similar prefixed tokens.
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, '[redacted github token]'],
  [/\bsk-ant-[A-Za-z0-9_-]{10,}/g, '[redacted api key]'],
  // Passwords in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, '$1:[redacted]@'],
  // key=value and "key": "value" pairs whose key names a secret.
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|session[_-]?id|client[_-]?secret)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*)(["']?)([^\s"',;&}]+)/gi,
    (_m, key: string, sep: string, quote: string) => `${key}${sep}${quote}[redacted]`,
  ],
];

/** `text` with every recognised secret replaced by a `[redacted ...]` marker. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) {
    out =
      typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
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
