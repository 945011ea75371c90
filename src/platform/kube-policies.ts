import type { V1PodDisruptionBudget, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

/** A HorizontalPodAutoscaler, flattened: what it scales and how far it got. */
export interface HpaSummary {
  name: string;
  /** `Deployment/checkout-blue`. */
  target: string;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  /** Its conditions (ScalingLimited True with reason TooManyReplicas: held at max). */
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

/** A PodDisruptionBudget, flattened: whom it protects and how many disruptions it allows now. */
export interface PdbSummary {
  name: string;
  /** matchLabels of its selector. */
  matchLabels: Record<string, string>;
  minAvailable?: string;
  maxUnavailable?: string;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  disruptionsAllowed: number;
}

export interface ScalingPolicies {
  hpas: HpaSummary[];
  pdbs: PdbSummary[];
}

export function hpaSummary(h: V2HorizontalPodAutoscaler): HpaSummary {
  const ref = h.spec?.scaleTargetRef;
  return {
    name: h.metadata?.name ?? '',
    target: `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    minReplicas: h.spec?.minReplicas ?? 1,
    maxReplicas: h.spec?.maxReplicas ?? 0,
    currentReplicas: h.status?.currentReplicas ?? 0,
    desiredReplicas: h.status?.desiredReplicas ?? 0,
    conditions: (h.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
    })),
  };
}

export function pdbSummary(p: V1PodDisruptionBudget): PdbSummary {
  const str = (v: unknown): string | undefined =>
    typeof v === 'number' || typeof v === 'string' ? String(v) : undefined;
  const minAvailable = str(p.spec?.minAvailable);
  const maxUnavailable = str(p.spec?.maxUnavailable);
  return {
    name: p.metadata?.name ?? '',
    matchLabels: p.spec?.selector?.matchLabels ?? {},
    ...(minAvailable !== undefined ? { minAvailable } : {}),
    ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
    currentHealthy: p.status?.currentHealthy ?? 0,
    desiredHealthy: p.status?.desiredHealthy ?? 0,
    expectedPods: p.status?.expectedPods ?? 0,
    disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
  };
}
