import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** EKS accepts a token for 15 minutes after it is signed; refresh well before that. */
export const EKS_TOKEN_LIFETIME_MS = 14 * 60 * 1000;
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

export interface EksTokenRequest {
  cluster: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** When the token is signed; now by default. */
  signingDate?: Date;
  /** STS host to presign for; the regional endpoint by default. */
  stsHost?: string;
}

/**
 * The bearer token EKS expects, as `aws eks get-token` makes it: a presigned STS GetCallerIdentity GET with
 * the cluster name in the signed `x-k8s-aws-id` header, base64url-encoded behind `k8s-aws-v1.`.
 */
export async function createEksToken(req: EksTokenRequest): Promise<{ token: string; expiresAt: number }> {
  const signingDate = req.signingDate ?? new Date();
  const hostname = req.stsHost ?? `sts.${req.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: req.credentials,
    region: req.region,
    service: 'sts',
    sha256: Sha256,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': req.cluster },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url'),
    expiresAt: signingDate.getTime() + EKS_TOKEN_LIFETIME_MS,
  };
}
