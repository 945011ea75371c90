import { equalities, matchesLabels, type LabelRequirement } from './selectors.js';
import type { ObjectMeta } from './types.js';

/** What to list: selectors, a filter and the page wanted. */
export interface ListQuery<T> {
  labels?: readonly LabelRequirement[];
  /** Secondary index and value to narrow candidates, e.g. events by `involvedObject.name`. */
  index?: { name: string; value: string };
  filter?: (obj: T) => boolean;
  /** Items per page; all when absent. */
  limit?: number;
  /** Resume strictly after this name (the key a continue token carries). */
  after?: string;
}

/** One page of a list. */
export interface ListPage<T> {
  items: T[];
  /** Name of the last item returned when more items match after it; undefined on the last page. */
  continueAfter: string | undefined;
  /** Matching items after this page, when counted (no selector): the list's `remainingItemCount`. */
  remaining: number | undefined;
}

/**
 * The objects of one kind in one namespace, listed in name order as etcd keys are, with an index by
 * label and optional secondary indexes so that selectors over thousands of objects stay cheap.
 */
export class Collection<T extends { metadata: ObjectMeta }> {
  private readonly byName = new Map<string, T>();
  private sorted: string[] | undefined;
  private readonly labelIndex = new Map<string, Map<string, Set<string>>>();
  private readonly secondary = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly indexes: Readonly<Record<string, (obj: T) => string | undefined>> = {}) {
    for (const name of Object.keys(indexes)) this.secondary.set(name, new Map<string, Set<string>>());
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): T | undefined {
    return this.byName.get(name);
  }

  values(): IterableIterator<T> {
    return this.byName.values();
  }

  /** Adds or replaces the object named by its metadata, re-indexing it. */
  set(obj: T): void {
    const name = obj.metadata.name;
    const old = this.byName.get(name);
    if (old) this.unindex(old);
    else this.sorted = undefined;
    this.byName.set(name, obj);
    this.index(obj);
  }

  delete(name: string): boolean {
    const old = this.byName.get(name);
    if (!old) return false;
    this.unindex(old);
    this.byName.delete(name);
    this.sorted = undefined;
    return true;
  }

  /** One page of the objects matching `query`, in name order. */
  list(query: ListQuery<T>): ListPage<T> {
    const labels = query.labels ?? [];
    const names = this.candidates(labels, query.index);
    let i = query.after === undefined ? 0 : upperBound(names, query.after);
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : Infinity;
    const matches = (obj: T | undefined): obj is T =>
      obj !== undefined && matchesLabels(labels, obj.metadata.labels) && (query.filter?.(obj) ?? true);
    const items: T[] = [];
    for (; i < names.length && items.length < limit; i++) {
      const obj = this.byName.get(names[i]!);
      if (matches(obj)) items.push(obj);
    }
    // Look ahead so that `continue` is only offered when another item really matches.
    let more = false;
    for (; i < names.length && !more; i++) more = matches(this.byName.get(names[i]!));
    const unfiltered = labels.length === 0 && !query.filter && !query.index;
    const remaining = unfiltered && more ? names.length - (i - 1) : undefined;
    return { items, continueAfter: more ? items.at(-1)?.metadata.name : undefined, remaining };
  }

  private candidates(labels: readonly LabelRequirement[], index: ListQuery<T>['index']): string[] {
    let best: Set<string> | undefined;
    if (index) best = this.secondary.get(index.name)?.get(index.value) ?? new Set();
    for (const [key, value] of equalities(labels)) {
      const set = this.labelIndex.get(key)?.get(value) ?? new Set<string>();
      if (!best || set.size < best.size) best = set;
    }
    this.sorted ??= [...this.byName.keys()].sort();
    if (!best || best.size * 4 > this.byName.size) return this.sorted;
    return [...best].sort();
  }

  private index(obj: T): void {
    const name = obj.metadata.name;
    for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
      let values = this.labelIndex.get(key);
      if (!values) this.labelIndex.set(key, (values = new Map<string, Set<string>>()));
      let names = values.get(value);
      if (!names) values.set(value, (names = new Set()));
      names.add(name);
    }
    for (const [indexName, keyOf] of Object.entries(this.indexes)) {
      const key = keyOf(obj);
      if (key === undefined) continue;
      const map = this.secondary.get(indexName)!;
      let names = map.get(key);
      if (!names) map.set(key, (names = new Set()));
      names.add(name);
    }
  }

  private unindex(obj: T): void {
    const name = obj.metadata.name;
    for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
      this.labelIndex.get(key)?.get(value)?.delete(name);
    }
    for (const [indexName, keyOf] of Object.entries(this.indexes)) {
      const key = keyOf(obj);
      if (key !== undefined) this.secondary.get(indexName)?.get(key)?.delete(name);
    }
  }
}

/** Index of the first name strictly greater than `name` in sorted `names`. */
function upperBound(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid]! <= name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
