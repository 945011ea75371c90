import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the sandbox makes of a request's SigV4 credentials. The signature itself is not verified: the
 * point is that clients sign (with the sandbox's key) exactly as they would against AWS.
 */
export type AuthVerdict =
  | { ok: true; accessKeyId: string }
  | {
      ok: false;
      code: 'MissingAuthenticationToken' | 'IncompleteSignature' | 'InvalidClientTokenId';
      message: string;
    };

const HEADER =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/\d{8}\/[^/\s,]+\/[^/\s,]+\/aws4_request\s*,\s*SignedHeaders=[^,\s]+\s*,\s*Signature=[0-9a-f]{64}$/;

/**
 * Checks the `Authorization` header (or presigned `X-Amz-Credential` query) for a SigV4 credential
 * scope whose access key is `accessKeyId`.
 */
export function checkSigV4(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  accessKeyId: string,
): AuthVerdict {
  const header = headers.authorization;
  const presigned = query.get('X-Amz-Credential');
  if (!header && !presigned) {
    return {
      ok: false,
      code: 'MissingAuthenticationToken',
      message: 'Request is missing Authentication Token',
    };
  }
  const key = header ? HEADER.exec(header)?.[1] : presigned?.split('/')[0];
  if (!key) {
    return {
      ok: false,
      code: 'IncompleteSignature',
      message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of an AWS4-HMAC-SHA256 signature.`,
    };
  }
  if (key !== accessKeyId) {
    return {
      ok: false,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
  }
  return { ok: true, accessKeyId: key };
}
