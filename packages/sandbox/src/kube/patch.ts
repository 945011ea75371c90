import { badRequest, KubeApiError, unsupportedMediaType } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merge keys of the lists that strategic merge patch merges element by element (from the Kubernetes
 * API's `x-kubernetes-patch-merge-key`); any other list is replaced whole.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
};

/**
 * Applies a PATCH body of the given content type to `target` and returns the result (the target is not
 * changed). Throws 415 for other content types, 400 for a body of the wrong shape, 422 for a JSON
 * patch that cannot be applied.
 */
export function applyPatch(target: unknown, contentType: string | undefined, body: string): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (
    type !== 'application/merge-patch+json' &&
    type !== 'application/strategic-merge-patch+json' &&
    type !== 'application/json-patch+json'
  ) {
    throw unsupportedMediaType();
  }
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
  const base = structuredClone(target) as Json;
  if (type === 'application/json-patch+json') {
    if (!Array.isArray(patch))
      throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    return jsonPatch(base, patch);
  }
  if (!isObject(patch)) throw badRequest('error decoding patch: the patch must be a JSON object');
  return type === 'application/merge-patch+json' ? mergePatch(base, patch) : strategicMerge(base, patch);
}

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

/**
 * Strategic merge patch: like a merge patch, but lists with a merge key are merged element by element
 * (so a patch naming one container keeps the others), with the `$patch` (replace, delete, merge),
 * `$deleteFromPrimitiveList/` directives; `$setElementOrder/` and `$retainKeys` are accepted and ignored.
 */
export function strategicMerge(target: Json, patch: JsonObject): Json {
  const directive = patch.$patch;
  if (directive === 'delete') return null;
  if (directive === 'replace') return withoutDirectives(patch);
  if (directive !== undefined && directive !== 'merge')
    throw badRequest(`unknown patch type: ${JSON.stringify(directive)}`);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value))
        out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    const mergeKey = MERGE_KEYS[key];
    if (Array.isArray(value) && mergeKey !== undefined) {
      out[key] = mergeList(Array.isArray(current) ? current : [], value, mergeKey);
    } else if (isObject(value)) {
      const merged = strategicMerge(current ?? null, value);
      if (merged === null) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function mergeList(current: Json[], patch: Json[], mergeKey: string): Json[] {
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObject(e) && e.$patch === 'replace')).map(withoutDirectives);
  }
  const out = [...current];
  for (const element of patch) {
    if (!isObject(element))
      throw badRequest(`strategic merge patch: list element of "${mergeKey}"-keyed list is not an object`);
    const key = element[mergeKey];
    if (key === undefined)
      throw badRequest(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey}`);
    const i = out.findIndex((e) => isObject(e) && e[mergeKey] === key);
    if (element.$patch === 'delete') {
      if (i !== -1) out.splice(i, 1);
    } else if (i === -1) {
      out.push(withoutDirectives(element));
    } else {
      out[i] = strategicMerge(out[i]!, element);
    }
  }
  return out;
}

function withoutDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = withoutDirectives(v);
  return out;
}

function rejected(message: string): KubeApiError {
  return new KubeApiError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${message}`,
  );
}

/** RFC 6902 JSON Patch: add, remove, replace, move, copy, test. */
export function jsonPatch(target: Json, ops: unknown[]): Json {
  let doc = target;
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('json patch operation must be an object with "op" and "path"');
    }
    const op = raw;
    const path = op.path as string;
    switch (op.op) {
      case 'add':
        doc = put(doc, path, need(op, 'value'), 'add');
        break;
      case 'replace':
        get(doc, path);
        doc = put(doc, path, need(op, 'value'), 'replace');
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'move': {
        const from = fromOf(op);
        const value = get(doc, from);
        doc = put(remove(doc, from), path, value, 'add');
        break;
      }
      case 'copy':
        doc = put(doc, path, structuredClone(get(doc, fromOf(op))), 'add');
        break;
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(need(op, 'value')))
          throw rejected(`testing value ${path} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}

function need(op: JsonObject, field: string): Json {
  if (!(field in op))
    throw badRequest(`json patch ${JSON.stringify(op.op)} operation does not have a ${field}`);
  return op[field]!;
}

function fromOf(op: JsonObject): string {
  if (typeof op.from !== 'string')
    throw badRequest(`json patch ${JSON.stringify(op.op)} operation does not have a from`);
  return op.from;
}

function tokens(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw rejected(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, path: string): Json {
  let node: Json = doc;
  for (const t of tokens(path)) {
    if (Array.isArray(node) && /^\d+$/.test(t) && Number(t) < node.length) node = node[Number(t)]!;
    else if (isObject(node) && t in node) node = node[t]!;
    else throw rejected(`path ${path} does not exist`);
  }
  return node;
}

function parentOf(doc: Json, path: string): { parent: Json; last: string } {
  const list = tokens(path);
  const last = list.pop();
  if (last === undefined) throw rejected('the root cannot be the target of this operation');
  const prefix = list.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  return { parent: get(doc, prefix), last };
}

function put(doc: Json, path: string, value: Json, mode: 'add' | 'replace'): Json {
  if (path === '') return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (mode === 'replace' && i === parent.length)) {
      throw rejected(`index ${last} out of bounds at ${path}`);
    }
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw rejected(`path ${path} does not exist`);
  }
  return doc;
}

function remove(doc: Json, path: string): Json {
  const { parent, last } = parentOf(doc, path);
  get(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}
