import type { Jarvis } from '../../src/app.js';
import { routeOf, type Colour } from '../../src/platform/types.js';
import type { SimPod } from '../../packages/sandbox/src/kube/simulation.js';
import type { ToolContext } from '../../src/tools/tool.js';

/** A ToolContext over a running Jarvis, as the agent loop builds it. */
export function toolContext(jarvis: Jarvis, actor = 'tester'): ToolContext {
  return {
    config: jarvis.config,
    rollouts: jarvis.rollouts,
    store: jarvis.store,
    metrics: jarvis.platform.metrics,
    clock: jarvis.clock,
    actor,
  };
}

/**
 * The route of a service and its environment's adapters, for tests that arrange the platform directly (as
 * an operator or a controller would, outside Jarvis).
 */
export function platformOf(jarvis: Jarvis, env: string, service: string) {
  const p = jarvis.platform.forEnv(env);
  return { route: routeOf(jarvis.config, env, service), ports: { traffic: p.alb, workloads: p.kube } };
}

/** Polls the sandbox until `check` holds, in real time; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The sandbox's pods of one colour of a service, read from the simulation itself. */
export function podsOf(jarvis: Jarvis, env: string, service: string, colour: Colour): SimPod[] {
  const world = jarvis.sandbox!.world;
  return world.podsBehind(world.route(env, service)![colour]);
}

/**
 * Puts `version` on a colour of a service as a release's prepare step would (image and replicas through
 * the Kubernetes API), without waiting for it to roll out: faulty versions never do.
 */
export async function putVersion(
  jarvis: Jarvis,
  env: string,
  service: string,
  colour: Colour,
  version: string,
): Promise<void> {
  const { route, ports } = platformOf(jarvis, env, service);
  await ports.workloads.setImageAndReplicas(
    route.namespace,
    route.deployments[colour],
    route.container,
    `${route.imageRepository}:${version}`,
    3,
  );
}

/** The idle green colour of prd/checkout running `version`, once its pods show `reason`. */
export async function breakGreen(
  jarvis: Jarvis,
  version: string,
  reason: (p: SimPod) => boolean,
): Promise<void> {
  await putVersion(jarvis, 'prd', 'checkout', 'green', version);
  await until(`green pods of ${version}`, () => podsOf(jarvis, 'prd', 'checkout', 'green').some(reason));
}
