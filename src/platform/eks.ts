import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Clock } from '../clock.js';
import { JarvisError } from '../errors.js';
import { callAws } from './aws-errors.js';
import { createEksToken } from './eks-token.js';

/** A token is replaced this long before it expires, so that no request carries one about to lapse. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

export interface EksAdapterDeps {
  client: EKSClient;
  /** Signs the bearer tokens; the same identity the EKS client uses. */
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  region: string;
  /**
   * Accepted for symmetry with the other adapters, and unused: EKS checks token age against real time,
   * so token expiry follows `now`, never a scaled clock.
   */
  clock?: Clock;
  /** Wall-clock milliseconds; Date.now by default. Tests move it to prove refreshes. */
  now?: () => number;
}

/** What Jarvis needs of an EKS cluster to talk to its Kubernetes API. */
export interface ClusterInfo {
  name: string;
  /** The API server's HTTPS URL. */
  endpoint: string;
  /** Base64 PEM of the cluster's CA. */
  caData: string;
  status: string;
  version: string;
}

/**
 * EKS: the cluster's endpoint and CA (DescribeCluster), the bearer token of the Kubernetes API (a
 * presigned STS GetCallerIdentity, cached per cluster and replaced a minute before it expires), and a
 * KubeConfig built in code from both.
 */
export class EksAdapter {
  private readonly client: EKSClient;
  private readonly credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  private readonly region: string;
  private readonly now: () => number;
  private readonly tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();

  constructor(deps: EksAdapterDeps) {
    this.client = deps.client;
    this.credentials = deps.credentials;
    this.region = deps.region;
    this.now = deps.now ?? Date.now;
  }

  /**
   * DescribeCluster, reduced to what a Kubernetes client needs. NOT_FOUND names the cluster and region;
   * UNAVAILABLE when the cluster is not ACTIVE (creating, updating, deleting, failed) or has no endpoint.
   */
  async describeCluster(name: string): Promise<ClusterInfo> {
    const out = await callAws(
      {
        service: 'EKS',
        operation: 'DescribeCluster',
        resource: `eks/${this.region}/cluster/${name}`,
        notFoundHint: `There is no EKS cluster "${name}" in ${this.region}; check the environment's cluster and region in jarvis.config.yaml.`,
      },
      () => this.client.send(new DescribeClusterCommand({ name })),
    );
    const cluster = out.cluster;
    const status = cluster?.status ?? 'UNKNOWN';
    if (status !== 'ACTIVE' || !cluster?.endpoint || !cluster.certificateAuthority?.data) {
      throw new JarvisError(
        'UNAVAILABLE',
        `EKS cluster ${name} in ${this.region} is ${status}${status === 'ACTIVE' ? ' but reports no endpoint or CA' : ', not ACTIVE'}; its Kubernetes API cannot be used now. Wait until it is ACTIVE (aws eks describe-cluster --name ${name}) and try again.`,
        { resource: `eks/${this.region}/cluster/${name}`, upstream: status },
      );
    }
    return {
      name: cluster.name ?? name,
      endpoint: cluster.endpoint,
      caData: cluster.certificateAuthority.data,
      status,
      version: cluster.version ?? 'unknown',
    };
  }

  /**
   * A bearer token for the cluster's Kubernetes API. The same token is handed out until a minute before
   * it expires; concurrent callers share one signing. FORBIDDEN when the credentials cannot be resolved.
   */
  async token(cluster: string): Promise<string> {
    const cached = this.tokens.get(cluster);
    if (cached) {
      const settled = await cached.catch(() => undefined);
      if (settled && this.now() < settled.expiresAt - TOKEN_REFRESH_MARGIN_MS) return settled.token;
    }
    // Another caller may have started the refresh while this one waited: share it.
    let pending = this.tokens.get(cluster);
    if (!pending || pending === cached) {
      pending = this.sign(cluster);
      this.tokens.set(cluster, pending);
    }
    try {
      return (await pending).token;
    } catch (err) {
      // A failed signing is not kept: the next call signs again.
      if (this.tokens.get(cluster) === pending) this.tokens.delete(cluster);
      throw err;
    }
  }

  /** A KubeConfig for the cluster with its endpoint, CA and a current token. See describeCluster for errors. */
  async kubeConfig(cluster: string): Promise<KubeConfig> {
    const info = await this.describeCluster(cluster);
    const token = await this.token(cluster);
    // The package's entry point, and so all of client-node, is loaded only by whoever asks for this.
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: info.name, server: info.endpoint, caData: info.caData, skipTLSVerify: false },
      { name: `jarvis@${info.name}`, token },
    );
    return kc;
  }

  private async sign(cluster: string): Promise<{ token: string; expiresAt: number }> {
    try {
      return await createEksToken({
        cluster,
        region: this.region,
        credentials: this.credentials,
        signingDate: new Date(this.now()),
      });
    } catch (err) {
      throw new JarvisError(
        'FORBIDDEN',
        `Could not sign an EKS token for cluster ${cluster}: ${err instanceof Error ? err.message : String(err)}. Check the AWS credentials Jarvis runs with.`,
        { resource: `eks/${this.region}/cluster/${cluster}` },
        { cause: err },
      );
    }
  }
}
