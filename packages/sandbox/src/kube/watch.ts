import type { World } from '../world.js';
import type { Handler, KubeRequest, Reply } from './handler.js';
import { intParam } from './list.js';
import { badRequest } from './status.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';

/** How often a watch looks for changes, in real milliseconds. */
const POLL_MS = 200;
/** The API server's default `timeoutSeconds` range for watches is 30-60 minutes; one is enough here. */
const DEFAULT_TIMEOUT_S = 1800;

type Item = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; resourceVersion: string };
};

/**
 * `?watch=true` on a collection served by `list`: a chunked stream of JSON watch events (`ADDED`,
 * `MODIFIED`, `DELETED`), one per line. Without `resourceVersion` (or with "0") the stream starts with an
 * ADDED event per current object; with one, only changes after it are sent (objects whose resourceVersion
 * is newer). Label and field selectors apply as to the list. With the Table Accept header each event's
 * object is a one-row Table, as kube-apiserver sends to `kubectl get -w`. Ends after `timeoutSeconds`.
 */
export function watchCollection(
  list: Handler,
  world: World,
  cluster: string,
  req: KubeRequest,
  ns: string,
): Reply {
  const q = req.url.searchParams;
  const since = q.get('resourceVersion');
  if (since && since !== '0' && !/^\d+$/.test(since))
    throw badRequest(`resourceVersion: Invalid value: "${since}": must be a number`);
  const timeoutS = intParam(q, 'timeoutSeconds', 0) ?? DEFAULT_TIMEOUT_S;
  const listUrl = new URL(req.url);
  for (const p of [
    'watch',
    'resourceVersion',
    'resourceVersionMatch',
    'timeoutSeconds',
    'allowWatchBookmarks',
    'limit',
    'continue',
  ])
    listUrl.searchParams.delete(p);
  const listReq: KubeRequest = { ...req, url: listUrl, accept: 'application/json' };
  const snapshot = (): { kind: string; apiVersion: string; items: Item[] } => {
    const body = list(world, cluster, listReq, ns, '').body as {
      kind: string;
      apiVersion: string;
      items: Item[];
    };
    return { kind: body.kind.replace(/List$/, ''), apiVersion: body.apiVersion, items: body.items };
  };
  // Read once now so that a bad selector is a 400 before the stream starts.
  const first = snapshot();
  const table = wantsTable(req.accept);
  const include = includeObjectOf(q);
  return {
    status: 200,
    body: undefined,
    type: 'application/json',
    stream: (res, json) => {
      const seen = new Map<string, Item>();
      const emit = (type: string, kind: string, apiVersion: string, item: Item): void => {
        const object = { kind, apiVersion, ...item };
        res.write(`${json({ type, object: table ? toTable(object, world.clock, include) : object })}\n`);
      };
      const threshold = since && since !== '0' ? BigInt(since) : undefined;
      const keyOf = (item: Item): string => `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
      for (const item of first.items) {
        seen.set(keyOf(item), item);
        if (threshold === undefined) emit('ADDED', first.kind, first.apiVersion, item);
        else if (BigInt(item.metadata.resourceVersion || '0') > threshold)
          emit('MODIFIED', first.kind, first.apiVersion, item);
      }
      const tick = (): void => {
        let now: ReturnType<typeof snapshot>;
        try {
          now = snapshot();
        } catch {
          stop();
          res.end();
          return;
        }
        const names = new Set<string>();
        for (const item of now.items) {
          names.add(keyOf(item));
          const before = seen.get(keyOf(item));
          if (!before) emit('ADDED', now.kind, now.apiVersion, item);
          else if (before.metadata.resourceVersion !== item.metadata.resourceVersion)
            emit('MODIFIED', now.kind, now.apiVersion, item);
          seen.set(keyOf(item), structuredClone(item));
        }
        for (const [name, item] of seen) {
          if (names.has(name)) continue;
          seen.delete(name);
          emit('DELETED', now.kind, now.apiVersion, item);
        }
      };
      // Items are live objects: keep copies so that a change shows as a new resourceVersion.
      for (const [name, item] of seen) seen.set(name, structuredClone(item));
      const timer = setInterval(tick, POLL_MS);
      const deadline = setTimeout(() => {
        stop();
        res.end();
      }, timeoutS * 1000);
      const stop = (): void => {
        clearInterval(timer);
        clearTimeout(deadline);
      };
      res.on('close', stop);
    },
  };
}
