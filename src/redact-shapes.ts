/**
 * The one table of secret shapes Jarvis recognises. Every sink (the model, Slack, PagerDuty notes, logs,
 * the audit log) redacts through {@link redact} in src/redact.ts, which applies these in order. Order
 * matters where shapes overlap: whole blocks and prefixed tokens first (they name what they found), then
 * the generic key/value rules, which leave a value already redacted as it is.
 *
 * Patterns are deliberately broad; a false positive costs a `[redacted]` in a log line, a false negative
 * costs a leaked credential.
 */

export type Replacement = string | ((match: string, ...groups: string[]) => string);

/** One recognised shape: a stable name (tests and reviews refer to it), a global pattern, its marker. */
export interface SecretShape {
  name: string;
  pattern: RegExp;
  replace: Replacement;
}

/**
 * Names of keys, flags and variables whose value is a secret. `pass` and `auth` only as a whole word
 * (`db_pass`, `"auth":`), so `--passive` or `author=` stay readable.
 */
export const SECRET_NAME =
  '(?:password|passwd|passphrase|(?<![A-Za-z])pass(?![A-Za-z])|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|signing[_-]?key|credentials?|session[_-]?id|routing[_-]?key|integration[_-]?key|service[_-]?key|account[_-]?key|(?<![A-Za-z])auth(?![A-Za-z])|(?<![A-Za-z])sig(?![A-Za-z])|webhook[_-]?url)';

/** A key whose value is a secret: the whole key (prefixes and suffixes included, `DB_PASSWORD_FILE`). */
const KEY = `[A-Za-z0-9_.-]*${SECRET_NAME}[A-Za-z0-9_.-]*`;

/** A value not yet redacted: a double- or single-quoted string, or a bare run up to a separator. */
const VALUE = `(?:"(?!\\[redacted)(?:[^"\\\\\\n]|\\\\.)*"|'(?!\\[redacted)[^'\\n]*'|(?![\\["'])[^\\s"',;&}<>]+|\\[(?!redacted)[^\\s"',;&}]+)`;

/** A flag's value: quoted, or everything up to the next space (`&` and `;` belong to a password). */
const FLAG_VALUE = `(?:"(?!\\[redacted)(?:[^"\\\\\\n]|\\\\.)*"|'(?!\\[redacted)[^'\\n]*'|(?![\\["'])[^\\s"']+)`;

/** `value` with its quotes kept and its content replaced by the marker. */
function quotedMarker(value: string, marker = '[redacted]'): string {
  const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
  return `${quote}${marker}${quote}`;
}

/** Bits of Shannon entropy per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** A random-looking value: long, mixing letters and digits, with high entropy (not a word or a path). */
function looksRandom(value: string): boolean {
  return value.length >= 16 && /\d/.test(value) && /[A-Za-z]/.test(value) && entropy(value) >= 3.5;
}

export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    // PEM, OpenSSH and PGP private keys, across lines, to the end of the text when the END line was cut.
    name: 'private key block',
    pattern:
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
    replace: '[redacted private key]',
  },
  {
    name: 'AWS secret access key by name',
    pattern: /(aws_?secret_?access_?key|secretAccessKey)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/gi,
    replace: '$1$2[redacted]',
  },
  {
    // `AKIA...,secret` as in a credentials CSV.
    name: 'AWS secret access key after its key id',
    pattern: /\b((?:AKIA|ASIA)[A-Z0-9]{16})([\s,;:|"'=]{1,4})[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replace: '$1$2[redacted]',
  },
  {
    name: 'AWS access key id',
    pattern: /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
    replace: '[redacted aws key id]',
  },
  {
    name: 'JWT',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
    replace: '[redacted jwt]',
  },
  { name: 'EKS token', pattern: /\bk8s-aws-v1\.[A-Za-z0-9_-]+/g, replace: '[redacted eks token]' },
  {
    name: 'bearer or basic credentials',
    pattern: /\b(Bearer|Basic)\s+(?!token\b)[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: '$1 [redacted]',
  },
  {
    // Any other authorization scheme (`Token token=...`, `ApiKey ...`, `Digest ...`).
    name: 'authorization header',
    pattern:
      /\b((?:Proxy-)?Authorization)(["']?\s*[:=]\s*["']?)(?!(?:[A-Za-z-]+\s+)?\[redacted)(?:([A-Za-z-]+)\s+)?[^\s"',;]+/gi,
    replace: (_m, name: string, sep: string, scheme: string | undefined) =>
      `${name}${sep}${scheme ? `${scheme} ` : ''}[redacted]`,
  },
  { name: 'cookie header', pattern: /\b((?:Set-)?Cookie)(\s*:\s*)[^\n"]+/gi, replace: '$1$2[redacted]' },
  {
    name: 'Slack webhook URL',
    pattern: /\bhttps:\/\/hooks\.slack(?:-gov)?\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g,
    replace: '[redacted slack webhook]',
  },
  {
    name: 'Microsoft Teams webhook URL',
    pattern:
      /\bhttps:\/\/[A-Za-z0-9.-]*(?:webhook\.office\.com|outlook\.office(?:365)?\.com)\/webhook[A-Za-z0-9]*\/[^\s"'<>]+/g,
    replace: '[redacted teams webhook]',
  },
  {
    name: 'Discord webhook URL',
    pattern: /\bhttps:\/\/(?:[a-z]+\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+/g,
    replace: '[redacted discord webhook]',
  },
  {
    name: 'Slack token',
    pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-[A-Za-z0-9-]{10,}/g,
    replace: '[redacted slack token]',
  },
  {
    name: 'GitHub token',
    pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/g,
    replace: '[redacted github token]',
  },
  {
    name: 'GitLab token',
    pattern:
      /\bgl(?:pat|dt|rt|ptt|soat|ft|imt|oas|cbt|agent)-[A-Za-z0-9_-]{20,}|\bGR1348941[A-Za-z0-9_-]{20,}/g,
    replace: '[redacted gitlab token]',
  },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, replace: '[redacted npm token]' },
  { name: 'PyPI token', pattern: /\bpypi-[A-Za-z0-9_-]{50,}/g, replace: '[redacted pypi token]' },
  { name: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{10,}/g, replace: '[redacted api key]' },
  {
    name: 'OpenAI API key',
    pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
    replace: '[redacted api key]',
  },
  { name: 'Stripe key', pattern: /\b[sr]k_(live|test)_[A-Za-z0-9]{16,}/g, replace: '[redacted api key]' },
  {
    name: 'Google API key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    replace: '[redacted api key]',
  },
  { name: 'Google OAuth token', pattern: /\bya29\.[0-9A-Za-z_-]{20,}/g, replace: '[redacted gcp token]' },
  {
    name: 'Google OAuth client secret',
    pattern: /\bGOCSPX-[0-9A-Za-z_-]{20,}/g,
    replace: '[redacted gcp secret]',
  },
  {
    name: 'Azure AD client secret',
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
    replace: '[redacted azure secret]',
  },
  {
    // Storage and Service Bus connection strings; SAS signatures are caught as the `sig` query parameter.
    name: 'Azure account key',
    pattern: /\b(AccountKey|SharedAccessKey)=[A-Za-z0-9+/=]{20,}/g,
    replace: '$1=[redacted]',
  },
  {
    name: 'SendGrid key',
    pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g,
    replace: '[redacted api key]',
  },
  { name: 'Vault token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g, replace: '[redacted vault token]' },
  {
    name: 'Grafana token',
    pattern: /\bgl(?:sa|c)_[A-Za-z0-9_=+/-]{24,}/g,
    replace: '[redacted grafana token]',
  },
  {
    name: 'Shopify token',
    pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g,
    replace: '[redacted api key]',
  },
  {
    // A 32-hex public key as a DSN's user part: it lets anyone post events to the project.
    name: 'Sentry DSN key',
    pattern: /\b(https?:\/\/)[0-9a-f]{32}(:[0-9a-f]{32})?@/g,
    replace: '$1[redacted]@',
  },
  {
    // scheme://user:password@host: database URLs, broker URLs, git remotes.
    name: 'password in a URL',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi,
    replace: '$1:[redacted]@',
  },
  {
    name: 'netrc password',
    pattern: /\b(machine\s+\S+\s+login\s+\S+\s+password\s+)\S+/g,
    replace: '$1[redacted]',
  },
  {
    // `--password hunter2`, `--api-key=abc`: a flag naming a secret and its value after a space or `=`.
    name: 'secret flag',
    pattern: new RegExp(`(^|[\\s"'])(--?${KEY})(=|\\s+)(${FLAG_VALUE})`, 'gim'),
    replace: (_m, lead: string, flag: string, sep: string, value: string) =>
      value.startsWith('-') ? _m : `${lead}${flag}${sep}${quotedMarker(value)}`,
  },
  {
    // key=value, key: value, "key": "value", ?key=value&: env lines, JSON and YAML keys, query parameters.
    name: 'secret key and value',
    pattern: new RegExp(`\\b(${KEY})(["']?\\s*[:=]\\s*)${VALUE}`, 'gi'),
    replace: (match: string, key: string, sep: string) =>
      `${key}${sep}${quotedMarker(match.slice(key.length + sep.length))}`,
  },
  {
    // "signing key 3f9a...", "X-Api-Key => 9f8e...": a random-looking value near a secret-looking word.
    name: 'high-entropy value after a secret-looking key',
    pattern: new RegExp(
      `\\b(${KEY}|[A-Za-z0-9_-]*key)(\\s*(?:=>|=&gt;|is|:)?\\s+["']?)([A-Za-z0-9+/_=.~-]{16,})`,
      'gi',
    ),
    replace: (match: string, key: string, sep: string, value: string) =>
      looksRandom(value) ? `${key}${sep}[redacted]` : match,
  },
];
