import type { V1Node } from '@kubernetes/client-node';

/** A node, flattened: its name and conditions, as diagnoses need them. */
export interface NodeSummary {
  name: string;
  /** `spec.unschedulable`: cordoned. */
  unschedulable: boolean;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

export function nodeSummary(node: V1Node): NodeSummary {
  return {
    name: node.metadata?.name ?? '',
    unschedulable: node.spec?.unschedulable === true,
    conditions: (node.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
    })),
  };
}
