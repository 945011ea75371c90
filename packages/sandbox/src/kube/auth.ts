/** EKS refuses tokens signed more than 15 minutes ago. */
export const TOKEN_MAX_AGE_MS = 15 * 60 * 1000;
/** Clock skew tolerated for a token signed "in the future". */
const MAX_SKEW_MS = 5 * 60 * 1000;
const PREFIX = 'k8s-aws-v1.';
const STS_HOST = /^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;

/** Why a bearer token was refused; for the sandbox's own log, never sent to the client. */
export type TokenVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks an `Authorization` header the way EKS's authenticator does before it asks STS: a bearer token
 * `k8s-aws-v1.<base64url>` wrapping a presigned STS GetCallerIdentity URL that signs the
 * `x-k8s-aws-id` header and was signed no more than 15 minutes ago (real time: `nowMs` is wall clock,
 * never the sandbox's scaled clock). The signature itself is not verified.
 */
export function checkBearer(header: string | undefined, nowMs: number): TokenVerdict {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return { ok: false, reason: 'no bearer token' };
  const token = match[1]!;
  if (!token.startsWith(PREFIX)) return { ok: false, reason: 'token is not a k8s-aws-v1 token' };
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { ok: false, reason: 'token is not base64url' };
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'token does not wrap a URL' };
  }
  if (url.protocol !== 'https:' || !STS_HOST.test(url.hostname) || url.pathname !== '/') {
    return { ok: false, reason: `token URL is not an STS endpoint: ${url.host}${url.pathname}` };
  }
  const q = url.searchParams;
  if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15') {
    return { ok: false, reason: 'token URL is not GetCallerIdentity 2011-06-15' };
  }
  for (const param of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Expires']) {
    if (!q.get(param)) return { ok: false, reason: `token URL lacks ${param}` };
  }
  const signed = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signed.includes('x-k8s-aws-id')) return { ok: false, reason: 'x-k8s-aws-id is not a signed header' };
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
  if (!date) return { ok: false, reason: 'X-Amz-Date is missing or malformed' };
  const signedAt = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
  if (nowMs - signedAt > TOKEN_MAX_AGE_MS) return { ok: false, reason: 'token expired' };
  if (signedAt - nowMs > MAX_SKEW_MS) return { ok: false, reason: 'token signed in the future' };
  return { ok: true };
}
