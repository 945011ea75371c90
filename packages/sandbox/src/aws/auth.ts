import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What the sandbox makes of a request's SigV4 signature. */
export type AuthVerdict =
  | { ok: true; accessKeyId: string }
  | {
      ok: false;
      code:
        | 'MissingAuthenticationToken'
        | 'IncompleteSignature'
        | 'InvalidClientTokenId'
        | 'SignatureDoesNotMatch';
      message: string;
    };

/** The request as it arrived: what a SigV4 signature covers. */
export interface SignedRequest {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

const HEADER =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})$/;
const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
/** AWS refuses a request signed more than 15 minutes away from its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

const incomplete = (): AuthVerdict => ({
  ok: false,
  code: 'IncompleteSignature',
  message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of an AWS4-HMAC-SHA256 signature.`,
});
const mismatch = (message: string): AuthVerdict => ({ ok: false, code: 'SignatureDoesNotMatch', message });
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Verifies a request's SigV4 signature (the `Authorization` header, or a presigned query) as AWS does:
 * the access key must be `credentials.accessKeyId`, and the signature computed over the canonical
 * request with `credentials.secretAccessKey` must equal the one sent. `nowMs` is wall-clock time.
 */
export function checkSigV4(
  req: SignedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string },
  nowMs = Date.now(),
): AuthVerdict {
  const header = req.headers.authorization;
  const presigned = req.query.get('X-Amz-Credential');
  if (!header && !presigned) {
    return {
      ok: false,
      code: 'MissingAuthenticationToken',
      message: 'Request is missing Authentication Token',
    };
  }
  let scope: string;
  let signedHeaders: string;
  let signature: string;
  let amzDate: string | undefined;
  if (header) {
    const m = HEADER.exec(header);
    if (!m) return incomplete();
    [, scope, signedHeaders, signature] = m as unknown as [string, string, string, string];
    const date = req.headers['x-amz-date'];
    amzDate = typeof date === 'string' ? date : undefined;
  } else {
    scope = presigned!;
    signedHeaders = req.query.get('X-Amz-SignedHeaders') ?? '';
    signature = req.query.get('X-Amz-Signature') ?? '';
    amzDate = req.query.get('X-Amz-Date') ?? undefined;
    if (!signedHeaders || !/^[0-9a-f]{64}$/.test(signature)) return incomplete();
  }
  const s = SCOPE.exec(scope);
  if (!s) return incomplete();
  const [, key, day, region, service] = s as unknown as [string, string, string, string, string];
  if (key !== credentials.accessKeyId) {
    return {
      ok: false,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
  }
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
  if (!when || !amzDate?.startsWith(day)) return incomplete();
  const signedAt = Date.UTC(+when[1]!, +when[2]! - 1, +when[3]!, +when[4]!, +when[5]!, +when[6]!);
  if (Math.abs(nowMs - signedAt) > MAX_SKEW_MS) {
    return mismatch(`Signature expired: ${amzDate} is now earlier or later than 15 minutes from now.`);
  }

  const names = signedHeaders.split(';');
  if (!names.includes('host')) return incomplete();
  const canonicalHeaders = names.map((n) => `${n}:${headerValue(req.headers[n])}\n`).join('');
  // Services other than S3 hash the body they received; a presigned URL may also say UNSIGNED-PAYLOAD.
  const payloads = header ? [sha256(req.body)] : [sha256(req.body), 'UNSIGNED-PAYLOAD'];
  const credentialScope = `${day}/${region}/${service}/aws4_request`;
  const key4 = signingKey(credentials.secretAccessKey, day, region, service);
  const matches = payloads.some((payload) => {
    const canonical = [
      req.method,
      canonicalPath(req.path),
      canonicalQuery(req.query, !header),
      canonicalHeaders,
      signedHeaders,
      payload,
    ].join('\n');
    const toSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonical)].join('\n');
    return timingSafeEqual(Buffer.from(hmac(key4, toSign).toString('hex')), Buffer.from(signature));
  });
  if (!matches) return mismatch(MISMATCH);
  return { ok: true, accessKeyId: key };
}

function headerValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** RFC 3986 encoding, as SigV4 wants it: everything but unreserved characters. */
function escape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Services other than S3 sign the path encoded once more than it was sent. */
function canonicalPath(path: string): string {
  return path === '' ? '/' : escape(path).replace(/%2F/g, '/');
}

function canonicalQuery(query: URLSearchParams, presigned: boolean): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of query) if (!(presigned && k === 'X-Amz-Signature')) pairs.push([escape(k), escape(v)]);
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
}
