import type { ListPage } from './collection.js';
import { badRequest, expired } from './status.js';
import type { ObjectMeta } from './types.js';

/** The paging parameters of a list request, validated. */
export interface PageParams {
  limit: number | undefined;
  /** Name to resume after, from a continue token. */
  after: string | undefined;
}

interface ContinueToken {
  v: 1;
  /** Which collection the token belongs to: `pods/<namespace>`. */
  r: string;
  /** Resume strictly after this name. */
  a: string;
  /** The resourceVersion the first page was served at. */
  rv: string;
}

/**
 * Reads `limit` and `continue`. A continue token is opaque to clients; one that does not decode or was
 * issued for another collection is answered with 410 Expired, telling the client to list afresh.
 */
export function pageParams(q: URLSearchParams, resource: string): PageParams {
  const rawLimit = q.get('limit');
  let limit: number | undefined;
  if (rawLimit !== null && rawLimit !== '') {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit)) throw badRequest(`limit: Invalid value: "${rawLimit}": must be an integer`);
    if (limit <= 0) limit = undefined;
  }
  const token = q.get('continue');
  if (token === null || token === '') return { limit, after: undefined };
  let parsed: Partial<ContinueToken>;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<ContinueToken>;
  } catch {
    throw expired();
  }
  if (parsed.v !== 1 || parsed.r !== resource || typeof parsed.a !== 'string') throw expired();
  return { limit, after: parsed.a };
}

/** An opaque continue token: where the next page starts, bound to its collection. */
export function continueToken(resource: string, after: string, rv: string): string {
  const token: ContinueToken = { v: 1, r: resource, a: after, rv };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** A page over a small array (Deployments, Ingresses), in name order, with the same semantics. */
export function pageOfArray<T extends { metadata: ObjectMeta }>(
  items: readonly T[],
  page: PageParams,
  keep: (item: T) => boolean,
): ListPage<T> {
  const sorted = items
    .filter(keep)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const start = page.after === undefined ? 0 : sorted.findIndex((i) => i.metadata.name > page.after!);
  const from = start === -1 ? sorted.length : start;
  const slice = sorted.slice(from, page.limit === undefined ? undefined : from + page.limit);
  const rest = sorted.length - from - slice.length;
  return {
    items: slice,
    continueAfter: rest > 0 ? slice.at(-1)?.metadata.name : undefined,
    remaining: rest > 0 ? rest : undefined,
  };
}

/**
 * A `<Kind>List` response body. Items are served without kind and apiVersion, as the API server does
 * for typed lists.
 */
export function listBody<T extends { apiVersion: string; kind: string }>(
  kind: string,
  apiVersion: string,
  resource: string,
  rv: string,
  page: ListPage<T>,
): unknown {
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (page.continueAfter !== undefined) metadata.continue = continueToken(resource, page.continueAfter, rv);
  if (page.remaining !== undefined) metadata.remainingItemCount = page.remaining;
  return {
    kind,
    apiVersion,
    metadata,
    items: page.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  };
}

/** A non-negative integer query parameter, or undefined; 400 when malformed. */
export function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw badRequest(`${name}: Invalid value: ${raw}: must be greater than or equal to ${min}`);
  return n;
}

/** A boolean query parameter as Go's strconv.ParseBool reads it. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null || raw === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw badRequest(`${name}: Invalid value: "${raw}": must be a boolean`);
}
