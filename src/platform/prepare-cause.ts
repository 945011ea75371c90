import type { PodSummary } from './kube-types.js';

/** Why the pods of a Deployment being prepared do not become ready, read from their status. */
export interface PrepareCause {
  kind: 'image-pull' | 'config' | 'crash-loop' | 'oom-killed' | 'unschedulable' | 'not-ready';
  /** One line for the deployment's failure reason: `CrashLoopBackOff, exit code 1, 4 restarts`. */
  text: string;
  /** The pod it was read from: whose previous log tells more. */
  pod: string;
  /** Waiting longer cannot help: the image does not exist, or the crash loop is past the restart limit. */
  certain: boolean;
}

/** Pull failures that will not heal by waiting: the registry said the image or tag does not exist. */
const NOT_FOUND = /not found|manifest unknown|does not exist|repository .* not exist|name unknown/i;
const PULL = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

const clip = (s: string, max = 200): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * The most telling cause among the pods running `image` (the new ones; old ones are being replaced),
 * or undefined when none shows one yet. Order: a missing image, then memory, then a crash loop, then the
 * scheduler, then pods running but not ready. `restartLimit`: restarts after which a crash loop or OOM
 * is taken as certain.
 */
export function prepareCause(
  pods: readonly PodSummary[],
  container: string,
  image: string,
  restartLimit: number,
): PrepareCause | undefined {
  const fresh = pods.filter((p) => !p.terminating && main(p, container)?.image === image);
  const causes: PrepareCause[] = [];
  for (const p of fresh) {
    const c = main(p, container);
    const scheduled = p.conditions.find((k) => k.type === 'PodScheduled' && k.status === 'False');
    if (c && PULL.has(c.reason ?? '')) {
      const certain = c.reason === 'InvalidImageName' || NOT_FOUND.test(c.message ?? '');
      causes.push({
        kind: 'image-pull',
        text: `${c.reason} for ${image}${c.message ? `: ${clip(c.message)}` : ''}`,
        pod: p.name,
        certain,
      });
    } else if (c && (c.reason === 'CreateContainerConfigError' || c.reason === 'CreateContainerError')) {
      causes.push({
        kind: 'config',
        text: `${c.reason}: ${clip(c.message ?? 'a referenced ConfigMap or Secret is missing')}`,
        pod: p.name,
        certain: false,
      });
    } else if (c && (c.reason === 'OOMKilled' || c.lastTermination?.reason === 'OOMKilled')) {
      causes.push({
        kind: 'oom-killed',
        text: `OOMKilled: container ${c.name} exceeds its memory limit (exit code 137), ${c.restartCount} restarts`,
        pod: p.name,
        certain: c.restartCount >= restartLimit,
      });
    } else if (
      c &&
      (c.reason === 'CrashLoopBackOff' || (c.lastTermination && c.lastTermination.exitCode !== 0))
    ) {
      const exit = c.lastTermination ? `exit code ${c.lastTermination.exitCode}` : 'no exit code recorded';
      causes.push({
        kind: 'crash-loop',
        text: `CrashLoopBackOff: container ${c.name} ends with ${exit}, ${c.restartCount} restarts`,
        pod: p.name,
        certain: c.restartCount >= restartLimit,
      });
    } else if (scheduled) {
      causes.push({
        kind: 'unschedulable',
        text: `${scheduled.reason ?? 'Unschedulable'}: ${clip(scheduled.message ?? 'the scheduler found no node')}`,
        pod: p.name,
        certain: false,
      });
    } else if (p.phase === 'Running' && !p.ready && c?.state === 'running') {
      causes.push({
        kind: 'not-ready',
        text: `${p.name} runs but is not ready`,
        pod: p.name,
        certain: false,
      });
    }
  }
  const order: PrepareCause['kind'][] = [
    'image-pull',
    'config',
    'oom-killed',
    'crash-loop',
    'unschedulable',
    'not-ready',
  ];
  causes.sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || Number(b.certain) - Number(a.certain),
  );
  return causes[0];
}

/** `2/3 ready on 1.3.1, 5 restarts`: how far the new pods got, for progress lines. */
export function prepareProgress(
  pods: readonly PodSummary[],
  container: string,
  image: string,
  replicas: number,
): string {
  const fresh = pods.filter((p) => !p.terminating && main(p, container)?.image === image);
  const ready = fresh.filter((p) => p.ready).length;
  const restarts = fresh.reduce((n, p) => n + p.restarts, 0);
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return `${ready}/${replicas} ready on ${tag}, ${restarts} restart${restarts === 1 ? '' : 's'}`;
}

function main(pod: PodSummary, container: string) {
  return pod.containers.find((c) => c.name === container) ?? pod.containers[0];
}
