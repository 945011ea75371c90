import type { SimCluster, World } from '../world.js';

/** Kubernetes version the simulated clusters report. */
const KUBERNETES_VERSION = '1.31';
const PLATFORM_VERSION = 'eks.12';

/** An EKS REST-JSON answer: status, `x-amzn-ErrorType` for errors, and a JSON body. */
export interface EksReply {
  status: number;
  errorType?: string;
  body: unknown;
}

/** An EKS error reply in the shape the SDK reads: the type in a header, `{ message }` in the body. */
export function eksError(status: number, errorType: string, message: string): EksReply {
  return { status, errorType, body: { message } };
}

/**
 * Serves the EKS paths Jarvis uses: `GET /clusters/{name}` (DescribeCluster). An unknown cluster is a
 * 404 ResourceNotFoundException; every other path or method is refused as an unknown operation.
 */
export function runEks(world: World, method: string, path: string): EksReply {
  const match = /^\/clusters\/([^/]+)$/.exec(path);
  if (!match || method !== 'GET') {
    return eksError(
      404,
      'UnknownOperationException',
      `The sandbox does not implement ${method} ${path}; it serves DescribeCluster (GET /clusters/{name}) only.`,
    );
  }
  const name = decodeURIComponent(match[1]!);
  const cluster = world.clusters.get(name);
  if (!cluster) return eksError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`);
  return { status: 200, body: { cluster: describe(world, cluster) } };
}

/** DescribeCluster's `cluster`; a cluster whose API server is not listening yet is still CREATING. */
function describe(world: World, cluster: SimCluster): Record<string, unknown> {
  const ready = cluster.endpoint !== '';
  return {
    name: cluster.name,
    arn: cluster.arn,
    createdAt: cluster.createdAt.getTime() / 1000,
    version: KUBERNETES_VERSION,
    ...(ready ? { endpoint: cluster.endpoint } : {}),
    roleArn: `arn:aws:iam::${world.account}:role/${cluster.name}-cluster`,
    resourcesVpcConfig: {
      subnetIds: ['subnet-0sandbox00000001', 'subnet-0sandbox00000002'],
      securityGroupIds: ['sg-0sandbox000000001'],
      clusterSecurityGroupId: 'sg-0sandbox000000002',
      vpcId: 'vpc-0sandbox0000000001',
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      publicAccessCidrs: [],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: false }] },
    status: ready ? 'ACTIVE' : 'CREATING',
    certificateAuthority: ready ? { data: cluster.caData } : {},
    platformVersion: PLATFORM_VERSION,
    tags: { 'jarvis:sandbox': 'true' },
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
  };
}
