import type { NodeSummary } from '../../../platform/kube-nodes.js';
import { capped, clip, colourLabel, COLOURS, impact, livePods, names, plural } from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** What is wrong with a node, in kubectl's words: `NotReady (KubeletNotReady: …)`, `MemoryPressure`. */
export function nodeTrouble(node: NodeSummary): string[] {
  const out: string[] = [];
  const ready = node.conditions.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') {
    out.push(
      `NotReady${ready.reason ? ` (${ready.reason}${ready.message ? `: ${clip(ready.message, 120)}` : ''})` : ''}`,
    );
  }
  for (const c of node.conditions) if (PRESSURE.includes(c.type) && c.status === 'True') out.push(c.type);
  return out;
}

/** Node NotReady, MemoryPressure, DiskPressure or PIDPressure under a colour's pods. */
export const nodeConditionsAnalyzer: Analyzer = {
  name: 'node-conditions',
  analyze(facts) {
    const findings: Finding[] = [];
    const bad = new Map<string, string[]>();
    for (const n of facts.nodes ?? []) {
      const trouble = nodeTrouble(n);
      if (trouble.length > 0) bad.set(n.name, trouble);
    }
    if (bad.size === 0) return findings;
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c).filter((p) => p.node !== undefined && bad.has(p.node));
      if (pods.length === 0) continue;
      const nodes = [...new Set(pods.map((p) => p.node!))];
      const first = nodes[0]!;
      findings.push({
        analyzer: 'node-conditions',
        severity: impact(c),
        colour,
        finding: `${plural(pods.length, 'pod')} of ${colourLabel(c)} run on ${nodes.length === 1 ? 'a node' : `${nodes.length} nodes`} in trouble: ${names(
          nodes.map((n) => `${n} ${bad.get(n)!.join(', ')}`),
          2,
        )}.`,
        evidence: capped(
          nodes.map(
            (n) =>
              `${n}: ${bad.get(n)!.join(', ')}; pods ${names(pods.filter((p) => p.node === n).map((p) => p.name))}`,
          ),
        ),
        next: nextStep(
          facts,
          c,
          `See the node's conditions and events; cordon and drain it (\`kubectl drain ${first} --ignore-daemonsets\`) so its pods move to healthy nodes.`,
          `kubectl describe node ${first}`,
        ),
      });
    }
    return findings;
  },
};
