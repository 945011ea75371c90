import type { Colour, LoadedConfig } from '../config.js';
import { environmentOf, serviceOf } from '../config.js';

export type { Colour } from '../config.js';

/** Traffic weights of the two colours of a service, as written on the ALB's forward action. */
export type Weights = Readonly<Record<Colour, number>>;

/** Everything the adapters need to find one service's route, colours and workloads. */
export interface ServiceRoute {
  env: string;
  service: string;
  region: string;
  cluster: string;
  namespace: string;
  mode: 'direct' | 'ingress';
  /** The listener whose default action forwards to both colours (exclusive with ruleArn). */
  listenerArn?: string;
  /** The listener rule whose forward action carries the weights (exclusive with listenerArn). */
  ruleArn?: string;
  /** For mode "ingress": the Ingress and the action name of its `alb.ingress.kubernetes.io/actions.*` key. */
  ingress?: { name: string; action: string };
  targetGroups: Readonly<Record<Colour, string>>;
  deployments: Readonly<Record<Colour, string>>;
  container: string;
  imageRepository: string;
}

/** The route of `service` in `env`, from validated configuration. Throws NOT_FOUND like serviceOf. */
export function routeOf(cfg: LoadedConfig, env: string, service: string): ServiceRoute {
  const environment = environmentOf(cfg, env);
  const svc = serviceOf(cfg, env, service);
  return {
    env,
    service,
    region: environment.region,
    cluster: environment.cluster,
    namespace: environment.namespace,
    mode: svc.mode,
    ...(svc.listenerArn ? { listenerArn: svc.listenerArn } : {}),
    ...(svc.ruleArn ? { ruleArn: svc.ruleArn } : {}),
    ...(svc.ingress ? { ingress: svc.ingress } : {}),
    targetGroups: { blue: svc.blue.targetGroupArn, green: svc.green.targetGroupArn },
    deployments: { blue: svc.blue.deployment, green: svc.green.deployment },
    container: svc.container,
    imageRepository: svc.imageRepository,
  };
}

/** The ARN whose forward action a route's weights live on. */
export function routeArnOf(route: ServiceRoute): string {
  const arn = route.ruleArn ?? route.listenerArn;
  if (!arn) throw new Error(`service ${route.env}/${route.service} has neither listenerArn nor ruleArn`);
  return arn;
}

/** The other colour. */
export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

/** One target of a target group and its health, as DescribeTargetHealth reports it. */
export interface TargetHealthEntry {
  id: string;
  port?: number;
  /** healthy | initial | unhealthy | unused | draining | unavailable | unhealthy.draining */
  state: string;
  /** AWS reason code such as Target.FailedHealthChecks; absent when healthy. */
  reason?: string;
  description?: string;
}

/** The parts of a Deployment's spec and status that rollouts and diagnoses need. */
export interface DeploymentState {
  namespace: string;
  name: string;
  /** Image of the configured container, e.g. `repo:1.3.0`; undefined when the container is absent. */
  image: string | undefined;
  /** Tag of that image; undefined when it has none. */
  version: string | undefined;
  replicas: number;
  generation: number;
  observedGeneration: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** Pod labels the Deployment selects on, as a labelSelector string (`app=x,colour=blue`). */
  selector: string;
  /** True when the Progressing condition says ProgressDeadlineExceeded. */
  progressDeadlineExceeded: boolean;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}
