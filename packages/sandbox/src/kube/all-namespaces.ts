import type { World } from '../world.js';
import { ok, type Handler, type KubeRequest } from './handler.js';

type Listed = { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: unknown[] };
const cache = new WeakMap<Handler, Handler>();

/**
 * The cluster-wide collection (`/api/v1/pods`, what `kubectl get -A` lists) of a namespaced one: the
 * items of every namespace, by namespace then name, with the same selectors. It is served in one page
 * (`limit` and `continue` are ignored): the sandbox's namespaces hold few objects.
 */
export function acrossNamespaces(list: Handler): Handler {
  const known = cache.get(list);
  if (known) return known;
  const handler: Handler = (world: World, cluster: string, req: KubeRequest) => {
    const url = new URL(req.url);
    url.searchParams.delete('limit');
    url.searchParams.delete('continue');
    let merged: Listed | undefined;
    for (const ns of world.kube.namespaceNames(cluster).sort()) {
      const body = list(world, cluster, { ...req, url }, ns, '').body as Listed;
      if (merged) merged.items.push(...body.items);
      else merged = { ...body, items: [...body.items] };
    }
    return merged ? ok(merged) : list(world, cluster, { ...req, url }, '', '');
  };
  cache.set(list, handler);
  return handler;
}
