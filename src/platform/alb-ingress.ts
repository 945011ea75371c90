import type { ServiceRoute, Weights } from './types.js';

/** The annotation the AWS Load Balancer Controller reads a custom action `action` from. */
export function ingressAnnotationKey(action: string): string {
  return `alb.ingress.kubernetes.io/actions.${action}`;
}

/**
 * The JSON of an `alb.ingress.kubernetes.io/actions.*` weighted forward to the route's two target groups,
 * as the controller reads it. The stickiness of the annotation it replaces (`previous`) is kept.
 */
export function ingressForwardAnnotation(route: ServiceRoute, weights: Weights, previous?: string): string {
  const stickiness = stickinessOf(previous);
  return JSON.stringify({
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { targetGroupARN: route.targetGroups.blue, weight: weights.blue },
        { targetGroupARN: route.targetGroups.green, weight: weights.green },
      ],
      ...(stickiness !== undefined ? { targetGroupStickinessConfig: stickiness } : {}),
    },
  });
}

function stickinessOf(annotation: string | undefined): unknown {
  if (!annotation) return undefined;
  try {
    const parsed = JSON.parse(annotation) as {
      forwardConfig?: { targetGroupStickinessConfig?: unknown };
    } | null;
    return parsed?.forwardConfig?.targetGroupStickinessConfig;
  } catch {
    // An annotation that is not JSON is replaced whole; the controller would not have applied it anyway.
    return undefined;
  }
}
