import { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { DriftError, isJarvisError } from '../errors.js';
import { callKube, type KubeCallPolicy } from './kube-calls.js';
import type { KubeClientSource } from './kube.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** Read-decide-patch rounds before a write gives up on an Ingress that keeps changing. */
const CONFLICT_ATTEMPTS = 4;

/** The value of annotation `key` on an Ingress; see KubeAdapter.readAnnotation. */
export async function readIngressAnnotation(
  clients: KubeClientSource,
  policy: KubeCallPolicy,
  namespace: string,
  ingress: string,
  key: string,
): Promise<string | undefined> {
  const found = await callKube({ op: 'get', resource: `${namespace}/ingress/${ingress}` }, policy, async () =>
    (await clients()).networking.readNamespacedIngress({ name: ingress, namespace }),
  );
  return found.metadata?.annotations?.[key];
}

/**
 * Sets annotation `key` of an Ingress, idempotent and verified; a conflict means read, decide and patch
 * again. See KubeAdapter.writeAnnotation.
 */
export async function writeIngressAnnotation(
  clients: KubeClientSource,
  policy: KubeCallPolicy,
  namespace: string,
  ingress: string,
  key: string,
  value: string,
): Promise<void> {
  const resource = `${namespace}/ingress/${ingress}`;
  for (let attempt = 1; ; attempt++) {
    const current = await callKube({ op: 'get', resource }, policy, async () =>
      (await clients()).networking.readNamespacedIngress({ name: ingress, namespace }),
    );
    if (current.metadata?.annotations?.[key] === value) return;
    // The resourceVersion makes the write fail with 409 rather than overwrite a change made since the read.
    const body = {
      metadata: { resourceVersion: current.metadata?.resourceVersion, annotations: { [key]: value } },
    };
    let written: string | undefined;
    try {
      const updated = await callKube({ op: 'patch', resource }, policy, async () =>
        (await clients()).networking.patchNamespacedIngress({ name: ingress, namespace, body }, merge),
      );
      written = updated.metadata?.annotations?.[key];
    } catch (err) {
      if (isJarvisError(err, 'CONFLICT') && attempt < CONFLICT_ATTEMPTS) continue;
      throw err;
    }
    if (written !== value) {
      throw new DriftError(
        `${resource} annotation ${key}`,
        value,
        written ?? null,
        'Read it again before retrying.',
      );
    }
    return;
  }
}
