import type { Clock } from '../../../../src/clock.js';
import { FALLBACK, PRINTERS, rec, str, type Obj } from './table-printers.js';

/*
 * The Table format (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) that `kubectl get` asks for:
 * the API server's own printers for the kinds the sandbox serves, columns and cells as kube-apiserver
 * writes them, ages measured in wall-clock time (what really elapsed, whatever the time scale).
 */

/** Whether the Accept header asks for a meta.k8s.io Table (v1 or v1beta1). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** Go's `duration.HumanDuration`, as kubectl's AGE column writes it. */
export function humanDuration(ms: number): string {
  const s = Math.trunc(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  const y = Math.floor(d / 365);
  return d < 2920 && d % 365 !== 0 ? `${y}y${d % 365}d` : `${y}y`;
}

/** What each row carries, per `includeObject`: nothing, the metadata (the default), or the whole object. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The `includeObject` query parameter; kubectl asks for `Object` to sort (`--sort-by`) on any field. */
export function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/**
 * A Table of an object or a `<Kind>List` (as the handlers answer them). `kind` names the item kind of a
 * list whose items carry none. Rows carry what `include` asks for.
 */
export function toTable(
  body: unknown,
  clock: Clock,
  include: IncludeObject = 'Metadata',
  kind?: string,
): unknown {
  const b = rec(body) as Obj;
  const isList = Array.isArray(b.items);
  const items = (isList ? (b.items as Obj[]) : [b]).filter((i) => typeof i === 'object' && i !== null);
  const itemKind = kind ?? (isList ? str(b.kind).replace(/List$/, '') : str(b.kind));
  const printer = PRINTERS[itemKind] ?? FALLBACK;
  const now = clock.now();
  const age = (t: unknown): string => {
    const at = typeof t === 'string' ? Date.parse(t) : Number.NaN;
    return Number.isNaN(at) ? '<unknown>' : humanDuration((now - at) / clock.scale);
  };
  const meta = rec(b.metadata);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: isList
      ? {
          resourceVersion: meta.resourceVersion,
          ...(meta.continue ? { continue: meta.continue } : {}),
          ...(meta.remainingItemCount !== undefined ? { remainingItemCount: meta.remainingItemCount } : {}),
        }
      : { resourceVersion: meta.resourceVersion },
    columnDefinitions: printer.columns.map((c) => ({ description: '', format: '', ...c })),
    rows: items.map((o) => ({
      cells: printer.cells(o, age),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? { kind: itemKind, apiVersion: isList ? b.apiVersion : o.apiVersion, ...o }
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
          }),
    })),
  };
}
