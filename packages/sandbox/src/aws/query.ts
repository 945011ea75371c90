import { AwsApiError, missingParameter, validationError } from './errors.js';

/** A parsed AWS Query parameter: a string, a list (`X.member.N`), or a structure (`X.Y`). */
export type QueryValue = string | QueryValue[] | QueryObject;
export interface QueryObject {
  [key: string]: QueryValue;
}

/** Bounds that keep a hostile body from costing much; real requests stay far below them. */
const MAX_PARAMETERS = 2000;
const MAX_DEPTH = 16;
const MAX_LIST_INDEX = 1000;

/** A leaf holds a value; a branch becomes a list when its children are `member.N`, a structure otherwise. */
type Node =
  { kind: 'leaf'; value: string } | { kind: 'branch'; fields: Map<string, Node>; items: Map<number, Node> };

/**
 * Parses an AWS Query body (`Action=X&A.member.1.B=v`, form-encoded) into nested objects and lists:
 * `member.N` segments become 1-based list positions. An empty value where a list is expected is how
 * the SDKs send an empty list. Malformed or conflicting keys are answered with MalformedQueryString.
 */
export function parseQuery(body: string): QueryObject {
  const root = branch();
  let count = 0;
  for (const [key, value] of new URLSearchParams(body)) {
    if (++count > MAX_PARAMETERS)
      throw new AwsApiError('ValidationError', `Too many parameters (over ${MAX_PARAMETERS})`);
    insert(root, key, value);
  }
  return finish(root) as QueryObject;
}

function branch(): Node {
  return { kind: 'branch', fields: new Map(), items: new Map() };
}

function insert(root: Node, key: string, value: string): void {
  const segments = key.split('.');
  if (segments.length > MAX_DEPTH || segments.some((s) => s === '')) throw malformed(key);
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    // `X=` (an empty list) followed by `X.member.1=...`, or a value and a structure under one name.
    if (node.kind === 'leaf') throw malformed(key);
    const segment = segments[i]!;
    let map: Map<string, Node> | Map<number, Node>;
    let name: string | number;
    if (segment === 'member' && i + 1 < segments.length) {
      const index = Number(segments[++i]);
      if (!Number.isInteger(index) || index < 1 || index > MAX_LIST_INDEX || node.fields.size > 0)
        throw malformed(key);
      map = node.items;
      name = index;
    } else {
      if (node.items.size > 0) throw malformed(key);
      map = node.fields;
      name = segment;
    }
    const last = i === segments.length - 1;
    const existing = (map as Map<string | number, Node>).get(name);
    if (last && existing) throw malformed(key);
    const next = existing ?? (last ? { kind: 'leaf' as const, value } : branch());
    (map as Map<string | number, Node>).set(name, next);
    node = next;
  }
}

function finish(node: Node): QueryValue {
  if (node.kind === 'leaf') return node.value;
  if (node.items.size > 0) {
    return [...node.items.entries()].sort(([a], [b]) => a - b).map(([, item]) => finish(item));
  }
  const out: QueryObject = {};
  for (const [name, value] of node.fields) out[name] = finish(value);
  return out;
}

function malformed(key: string): AwsApiError {
  return new AwsApiError('MalformedQueryString', `Malformed query parameter: ${key}`);
}

/** A structure at `path`; undefined when absent. */
export function objectAt(value: QueryValue | undefined, path: string): QueryObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') throw validationError(path, value, 'Member must be a structure');
  if (Array.isArray(value)) throw validationError(path, '[list]', 'Member must be a structure');
  return value;
}

/** A string parameter; undefined when absent. */
export function stringAt(obj: QueryObject, key: string, path = key): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw validationError(path, '[structure]', 'Member must be a string');
  return value;
}

/** A string parameter that must be present and non-empty. */
export function requiredString(obj: QueryObject, key: string, path = key): string {
  const value = stringAt(obj, key, path);
  if (value === undefined || value === '') throw missingParameter(path);
  return value;
}

/** A list parameter; undefined when absent, [] for the empty list (`X=`). */
export function listAt(obj: QueryObject, key: string, path = key): QueryValue[] | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (value === '') return [];
  if (!Array.isArray(value))
    throw validationError(path, typeof value === 'string' ? value : '[structure]', 'Member must be a list');
  return value;
}

/** A list of strings; undefined when absent. */
export function stringListAt(obj: QueryObject, key: string, path = key): string[] | undefined {
  return listAt(obj, key, path)?.map((item, i) => {
    if (typeof item !== 'string')
      throw validationError(`${path}.member.${i + 1}`, '[structure]', 'Member must be a string');
    return item;
  });
}

/** An integer parameter within [min, max]; undefined when absent. */
export function integerAt(
  obj: QueryObject,
  key: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  const raw = stringAt(obj, key, path);
  if (raw === undefined) return undefined;
  if (!/^-?\d{1,10}$/.test(raw)) throw validationError(path, raw, 'Member must be an integer');
  const value = Number(raw);
  if (value < min) throw validationError(path, raw, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(path, raw, `Member must have value less than or equal to ${max}`);
  return value;
}

/** A boolean parameter (`true`/`false`); undefined when absent. */
export function booleanAt(obj: QueryObject, key: string, path: string): boolean | undefined {
  const raw = stringAt(obj, key, path);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw validationError(path, raw, 'Member must be a boolean');
  return raw === 'true';
}
