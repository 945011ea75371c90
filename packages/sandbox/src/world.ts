import type {
  Action,
  Listener,
  LoadBalancer,
  Rule,
  TargetGroup,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Clock } from '../../../src/clock.js';
import type { LoadedConfig, ServiceConfig } from '../../../src/config.js';
import { SandboxSources } from './evidence.js';
import { Faults } from './faults.js';
import { KubeSimulation, type SimPod } from './kube/simulation.js';
import { profileOf, tagOf, type VersionProfile } from './scenarios.js';
import { Traffic } from './traffic.js';

/** Tags the AWS Load Balancer Controller puts on what it owns; Jarvis refuses to write those directly. */
export const CONTROLLER_TAG_CLUSTER = 'elbv2.k8s.aws/cluster';
export const CONTROLLER_TAG_STACK = 'ingress.k8s.aws/stack';
/** The path the sandbox's pods answer health checks on. */
const POD_HEALTH_PATH = '/healthz';
const WRONG_PATH_HEALTH = {
  State: 'unhealthy',
  Reason: 'Target.ResponseCodeMismatch',
  Description: 'Health checks failed with these codes: [404]',
} as const;
/** Simulated seconds the controller takes to reconcile an Ingress change onto the ALB. */
const CONTROLLER_RECONCILE_SECONDS = 2;

/** Where a target group's targets come from: the pods of one Deployment. */
export interface TargetBacking {
  cluster: string;
  namespace: string;
  deployment: string;
}

/** One seeded service of one environment: which ALB object routes it and what backs each colour. */
export interface SimRoute {
  env: string;
  service: string;
  /** The listener (default action) or rule whose forward action carries the weights. */
  routeArn: string;
  kind: 'listener' | 'rule';
  blue: string;
  green: string;
  cluster: string;
  namespace: string;
  ingress?: { name: string; action: string };
}

export interface SimCluster {
  name: string;
  arn: string;
  region: string;
  /** Filled in when the Kubernetes server listens. */
  endpoint: string;
  /** Base64 PEM of the CA that signed the Kubernetes server's certificate. */
  caData: string;
  createdAt: Date;
}

/** The ELBv2 state, kept in the SDK's own shapes so the wire layer only has to serialise it. */
export interface ElbState {
  loadBalancers: Map<string, LoadBalancer>;
  listeners: Map<string, Listener>;
  rules: Map<string, Rule>;
  targetGroups: Map<string, TargetGroup>;
  tags: Map<string, Map<string, string>>;
}

/**
 * The whole simulated world: ALBs, clusters and their workloads, traffic and faults. The HTTP servers
 * are thin views over it; tests and the control API reach in here to inject faults and read figures.
 */
export class World {
  readonly elb: ElbState = {
    loadBalancers: new Map(),
    listeners: new Map(),
    rules: new Map(),
    targetGroups: new Map(),
    tags: new Map(),
  };
  readonly clusters = new Map<string, SimCluster>();
  readonly backings = new Map<string, TargetBacking>();
  readonly routes: SimRoute[] = [];
  readonly faults = new Faults();
  /** What the sandbox's ECR and GitHub stand-in know of each version. */
  readonly sources = new SandboxSources();
  readonly versionOverrides = new Map<string, VersionProfile>();
  readonly kube: KubeSimulation;
  readonly traffic: Traffic;
  /** CloudWatch's publication lag, in simulated seconds: periods ending later than now minus it are not served yet. */
  readonly cloudwatch = { publicationLagSeconds: 0 };
  /** ModifyListener and ModifyRule calls served, so tests can count the writes a rollback makes. */
  writes = 0;
  /** Last time each ingress-managed route was reconciled from its Ingress. */
  private readonly reconciledAt = new Map<string, number>();

  constructor(
    readonly clock: Clock,
    readonly account = '123456789012',
  ) {
    this.kube = new KubeSimulation(clock, (version) => this.profile(version));
    this.traffic = new Traffic(this);
  }

  profile(version: string): VersionProfile {
    return profileOf(version, this.versionOverrides);
  }

  /** The route of `env`/`service`, if seeded. */
  route(env: string, service: string): SimRoute | undefined {
    return this.routes.find((r) => r.env === env && r.service === service);
  }

  /** The forward action's target groups and weights of a route, as the ALB holds them now. */
  forwardOf(routeArn: string): Array<{ TargetGroupArn: string; Weight: number }> {
    const actions = this.actionsOf(routeArn);
    const forward = actions?.find((a) => a.Type === 'forward');
    if (!forward) return [];
    const groups = forward.ForwardConfig?.TargetGroups;
    if (groups && groups.length > 0) {
      return groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn ?? '', Weight: g.Weight ?? 1 }));
    }
    return forward.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : [];
  }

  private actionsOf(routeArn: string): Action[] | undefined {
    return this.elb.listeners.get(routeArn)?.DefaultActions ?? this.elb.rules.get(routeArn)?.Actions;
  }

  /** Pods behind a target group (empty when it is not backed by a Deployment). */
  podsBehind(targetGroupArn: string): SimPod[] {
    const backing = this.backings.get(targetGroupArn);
    if (!backing) return [];
    return this.kube.podsOf(backing.cluster, backing.namespace, backing.deployment);
  }

  /**
   * DescribeTargetHealth's view: one description per pod IP, health following the pod. The pods answer
   * health checks on `/healthz` only: a target group whose HealthCheckPath was changed finds every
   * running target unhealthy (404), Ready pods included, as a misconfigured health check does.
   */
  targetHealth(targetGroupArn: string): TargetHealthDescription[] {
    const tg = this.elb.targetGroups.get(targetGroupArn);
    const port = tg?.Port ?? 8080;
    const inUse = (tg?.LoadBalancerArns?.length ?? 0) > 0;
    const wrongPath = (tg?.HealthCheckPath ?? POD_HEALTH_PATH) !== POD_HEALTH_PATH;
    return this.podsBehind(targetGroupArn)
      .filter((pod) => pod.ip !== undefined)
      .map((pod) => ({
        Target: { Id: pod.ip, Port: port },
        HealthCheckPort: String(port),
        TargetHealth: !inUse
          ? {
              State: 'unused',
              Reason: 'Target.NotInUse',
              Description: 'Target group is not configured to receive traffic from the load balancer',
            }
          : wrongPath && pod.phase === 'Running'
            ? WRONG_PATH_HEALTH
            : pod.ready
              ? { State: 'healthy' }
              : pod.phase === 'Running' && pod.sinceStartSeconds < 10
                ? {
                    State: 'initial',
                    Reason: 'Elb.RegistrationInProgress',
                    Description: 'Target registration is in progress',
                  }
                : pod.phase === 'Running'
                  ? {
                      State: 'unhealthy',
                      Reason: 'Target.ResponseCodeMismatch',
                      Description: 'Health checks failed with these codes: [503]',
                    }
                  : {
                      State: 'unhealthy',
                      Reason: 'Target.FailedHealthChecks',
                      Description: 'Health checks failed',
                    },
      }));
  }

  /**
   * Plays the AWS Load Balancer Controller: routes owned by an Ingress follow its actions annotation,
   * a couple of simulated seconds after it changes, and direct writes to them are reverted. Called by the
   * ELBv2 server before it answers any request.
   */
  reconcileControllers(): void {
    const now = this.clock.now();
    for (const route of this.routes) {
      if (!route.ingress) continue;
      const ingress = this.kube.ingress(route.cluster, route.namespace, route.ingress.name);
      if (!ingress) continue;
      if (now - ingress.updatedAt < CONTROLLER_RECONCILE_SECONDS * 1000) continue;
      const last = this.reconciledAt.get(route.routeArn) ?? 0;
      if (last > now - CONTROLLER_RECONCILE_SECONDS * 1000 && last >= ingress.updatedAt) continue;
      const desired = parseIngressForward(
        ingress.annotations[`alb.ingress.kubernetes.io/actions.${route.ingress.action}`],
      );
      if (desired) this.writeForward(route.routeArn, desired);
      this.reconciledAt.set(route.routeArn, now);
    }
  }

  /** Replaces the forward action of a route (listener default action or rule), keeping stickiness. */
  writeForward(routeArn: string, groups: Array<{ TargetGroupArn: string; Weight: number }>): void {
    this.traffic.settle();
    const build = (old: Action[] | undefined): Action[] => [
      {
        Type: 'forward',
        Order: 1,
        ForwardConfig: {
          TargetGroups: groups.map((g) => ({ ...g })),
          TargetGroupStickinessConfig: old?.[0]?.ForwardConfig?.TargetGroupStickinessConfig ?? {
            Enabled: false,
          },
        },
      },
    ];
    const listener = this.elb.listeners.get(routeArn);
    if (listener) listener.DefaultActions = build(listener.DefaultActions);
    const rule = this.elb.rules.get(routeArn);
    if (rule) rule.Actions = build(rule.Actions);
  }

  /** Creates the ALBs, target groups, clusters, Deployments and Ingresses that `config` describes. */
  seed(config: LoadedConfig): void {
    this.sources.seed(config);
    let priority = 10;
    for (const env of config.order) {
      const environment = config.environments[env];
      if (!environment) continue;
      const cluster = this.ensureCluster(environment.cluster, environment.region);
      this.kube.ensureNamespace(cluster.name, environment.namespace);
      for (const [name, svc] of Object.entries(environment.services)) {
        this.seedService(env, name, svc, cluster.name, environment.namespace, environment.region, priority++);
      }
    }
  }

  private ensureCluster(name: string, region: string): SimCluster {
    const existing = this.clusters.get(name);
    if (existing) return existing;
    const cluster: SimCluster = {
      name,
      arn: `arn:aws:eks:${region}:${this.account}:cluster/${name}`,
      region,
      endpoint: '',
      caData: '',
      createdAt: new Date(this.clock.now()),
    };
    this.clusters.set(name, cluster);
    this.kube.ensureCluster(name);
    return cluster;
  }

  private seedService(
    env: string,
    service: string,
    svc: ServiceConfig,
    cluster: string,
    namespace: string,
    region: string,
    priority: number,
  ): void {
    const routeArn = (svc.listenerArn ?? svc.ruleArn)!;
    const listenerArn =
      svc.listenerArn ?? routeArn.replace(':listener-rule/', ':listener/').replace(/\/[0-9a-f]{16}$/, '');
    const lbArn = listenerArn.replace(':listener/', ':loadbalancer/').replace(/\/[0-9a-f]{16}$/, '');
    const lbName = lbArn.split('/')[2] ?? 'sandbox';
    const vpcId = 'vpc-0sandbox0000000001';
    if (!this.elb.loadBalancers.has(lbArn)) {
      this.elb.loadBalancers.set(lbArn, {
        LoadBalancerArn: lbArn,
        LoadBalancerName: lbName,
        DNSName: `${lbName}-1234567890.${region}.elb.amazonaws.com`,
        CanonicalHostedZoneId: 'Z32O12XQLNTSW2',
        CreatedTime: new Date(this.clock.now()),
        Scheme: 'internet-facing',
        VpcId: vpcId,
        State: { Code: 'active' },
        Type: 'application',
        IpAddressType: 'ipv4',
        AvailabilityZones: [{ ZoneName: `${region}a`, SubnetId: 'subnet-0sandbox00000001' }],
        SecurityGroups: ['sg-0sandbox000000001'],
      });
      this.elb.tags.set(lbArn, new Map([['jarvis:sandbox', 'true']]));
    }
    const colours = [
      { colour: 'blue', target: svc.blue, version: '1.2.0' },
      { colour: 'green', target: svc.green, version: '1.1.0' },
    ] as const;
    for (const { colour, target, version } of colours) {
      const tgName = target.targetGroupArn.split(':targetgroup/')[1]?.split('/')[0] ?? `${service}-${colour}`;
      this.elb.targetGroups.set(target.targetGroupArn, {
        TargetGroupArn: target.targetGroupArn,
        TargetGroupName: tgName,
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: vpcId,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckEnabled: true,
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        HealthCheckPath: POD_HEALTH_PATH,
        Matcher: { HttpCode: '200' },
        LoadBalancerArns: [lbArn],
        TargetType: 'ip',
        ProtocolVersion: 'HTTP1',
        IpAddressType: 'ipv4',
      });
      this.elb.tags.set(
        target.targetGroupArn,
        new Map([
          ['jarvis:colour', colour],
          ['jarvis:service', service],
        ]),
      );
      this.backings.set(target.targetGroupArn, { cluster, namespace, deployment: target.deployment });
      this.kube.seedDeployment(cluster, namespace, {
        name: target.deployment,
        app: service,
        colour,
        container: svc.container,
        image: `${svc.imageRepository}:${version}`,
        replicas: 3,
      });
    }
    const forward: Action[] = [
      {
        Type: 'forward',
        Order: 1,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: svc.blue.targetGroupArn, Weight: 100 },
            { TargetGroupArn: svc.green.targetGroupArn, Weight: 0 },
          ],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ];
    if (!this.elb.listeners.has(listenerArn)) {
      this.elb.listeners.set(listenerArn, {
        ListenerArn: listenerArn,
        LoadBalancerArn: lbArn,
        Port: 443,
        Protocol: 'HTTPS',
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: `arn:aws:acm:${region}:${this.account}:certificate/sandbox` }],
        DefaultActions: svc.listenerArn
          ? forward
          : [
              {
                Type: 'fixed-response',
                Order: 1,
                FixedResponseConfig: {
                  StatusCode: '404',
                  ContentType: 'text/plain',
                  MessageBody: 'no route',
                },
              },
            ],
      });
    }
    if (svc.ruleArn) {
      this.elb.rules.set(svc.ruleArn, {
        RuleArn: svc.ruleArn,
        Priority: String(priority),
        Conditions: [
          {
            Field: 'host-header',
            HostHeaderConfig: { Values: [`${service}.${env}.sandbox.internal`] },
            Values: [`${service}.${env}.sandbox.internal`],
          },
        ],
        Actions: forward,
        IsDefault: false,
      });
    }
    const route: SimRoute = {
      env,
      service,
      routeArn,
      kind: svc.listenerArn ? 'listener' : 'rule',
      blue: svc.blue.targetGroupArn,
      green: svc.green.targetGroupArn,
      cluster,
      namespace,
      ...(svc.ingress ? { ingress: svc.ingress } : {}),
    };
    if (svc.mode === 'ingress' && svc.ingress) {
      const stack = `${namespace}/${svc.ingress.name}`;
      const owned = new Map([
        [CONTROLLER_TAG_CLUSTER, cluster],
        [CONTROLLER_TAG_STACK, stack],
        [
          'ingress.k8s.aws/resource',
          svc.ruleArn ? `${namespace}/${svc.ingress.name}-${service}:8080` : '443',
        ],
      ]);
      this.elb.tags.set(routeArn, owned);
      this.kube.seedIngress(cluster, namespace, {
        name: svc.ingress.name,
        annotations: {
          'kubernetes.io/ingress.class': 'alb',
          [`alb.ingress.kubernetes.io/actions.${svc.ingress.action}`]: JSON.stringify({
            type: 'forward',
            forwardConfig: {
              targetGroups: [
                { targetGroupARN: svc.blue.targetGroupArn, weight: 100 },
                { targetGroupARN: svc.green.targetGroupArn, weight: 0 },
              ],
            },
          }),
        },
        host: `${service}.${env}.sandbox.internal`,
        action: svc.ingress.action,
      });
    }
    this.routes.push(route);
  }
}

/** The target groups and weights of an `alb.ingress.kubernetes.io/actions.*` forward annotation. */
export function parseIngressForward(
  annotation: string | undefined,
): Array<{ TargetGroupArn: string; Weight: number }> | undefined {
  if (!annotation) return undefined;
  try {
    const parsed = JSON.parse(annotation) as {
      type?: string;
      forwardConfig?: { targetGroups?: Array<{ targetGroupARN?: string; weight?: number }> };
    };
    if (parsed.type !== 'forward') return undefined;
    const groups = parsed.forwardConfig?.targetGroups ?? [];
    if (groups.some((g) => !g.targetGroupARN)) return undefined;
    return groups.map((g) => ({ TargetGroupArn: g.targetGroupARN!, Weight: g.weight ?? 0 }));
  } catch {
    return undefined;
  }
}

/** The version (image tag) the pods of a target group run, or undefined when they have none. */
export function versionOfPods(pods: readonly SimPod[]): string | undefined {
  const image = pods[0]?.image;
  return image === undefined ? undefined : tagOf(image);
}
