/**
 * Redaction of secrets from text that leaves Jarvis's hands: tool output on its way to the model, Slack,
 * logs and the audit log. Patterns are deliberately broad; a false positive costs a `[redacted]` in a log
 * line, a false negative costs a leaked credential.
 */
const RULES: Array<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // PEM and PGP private keys, whole block (to the end of the text when the END line was cut off).
  [
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
    '[redacted private key]',
  ],
  // AWS secret keys next to their names, or right after their key id (`AKIA...,secret` as in a CSV).
  [/(aws_?secret_?access_?key|secretAccessKey)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/gi, '$1$2[redacted]'],
  [/\b((?:AKIA|ASIA)[A-Z0-9]{16})([\s,;:|"'=]{1,4})[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, '$1$2[redacted]'],
  // AWS access key ids.
  [/\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, '[redacted aws key id]'],
  // JWTs (three base64url parts, the first a JSON header).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '[redacted jwt]'],
  // EKS tokens and bearer/basic authorization values.
  [/\bk8s-aws-v1\.[A-Za-z0-9_-]+/g, '[redacted eks token]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  // Any other authorization scheme (`Token token=...`, `ApiKey ...`, `Digest ...`), and cookies.
  [
    /\b((?:Proxy-)?Authorization)(["']?\s*[:=]\s*["']?)(?!(?:[A-Za-z-]+\s+)?\[redacted)(?:([A-Za-z-]+)\s+)?[^\s"',;]+/gi,
    (_m, name: string, sep: string, scheme: string | undefined) =>
      `${name}${sep}${scheme ? `${scheme} ` : ''}[redacted]`,
  ],
  [/\b((?:Set-)?Cookie)(\s*:\s*)[^\n"]+/gi, '$1$2[redacted]'],
  // Slack, GitHub and similar prefixed tokens.
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, '[redacted github token]'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, '[redacted github token]'],
  [/\bsk-ant-[A-Za-z0-9_-]{10,}/g, '[redacted api key]'],
  [/\b[sr]k_(live|test)_[A-Za-z0-9]{16,}/g, '[redacted api key]'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, '[redacted api key]'],
  // Passwords in URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, '$1:[redacted]@'],
  // key=value and "key": "value" pairs whose key names a secret; a quoted value up to its closing quote
  // (it may hold spaces), a bare one up to a separator. Values already redacted are left as they are.
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|session[_-]?id|client[_-]?secret)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*)(?:"(?!\[redacted)(?:[^"\\\n]|\\.)*"|'(?!\[redacted)[^'\n]*'|(?!["'[])[^\s"',;&}]+|\[(?!redacted)[^\s"',;&}]+)/gi,
    (match: string, key: string, sep: string) => {
      const value = match.slice(key.length + sep.length);
      const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
      return `${key}${sep}${quote}[redacted]${quote}`;
    },
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
