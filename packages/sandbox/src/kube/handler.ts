import type { ServerResponse } from 'node:http';
import type { World } from '../world.js';
import { matchesFields, matchesLabels, type FieldRequirement, type LabelRequirement } from './selectors.js';
import type { ObjectMeta } from './types.js';

/** What a handler answers: a JSON body, or text for logs. */
export interface Reply {
  status: number;
  body: unknown;
  type?: string;
  headers?: Record<string, string>;
  /**
   * A streamed answer (watch, log follow): called once the head is written with status 200 and `type`;
   * it writes chunks to `res` until it ends the response or `res` closes. `body` is ignored then.
   */
  stream?: (res: ServerResponse, json: (value: unknown) => string) => void;
}

/** An authenticated request, body read. */
export interface KubeRequest {
  method: string;
  url: URL;
  contentType: string | undefined;
  /** The Accept header: asks for the Table format (`as=Table;g=meta.k8s.io`) or JSON. */
  accept?: string | undefined;
  body: string;
}

/** Answers one path and verb; throws KubeApiError for failures. `ns` and `name` come from the path. */
export type Handler = (world: World, cluster: string, req: KubeRequest, ns: string, name: string) => Reply;

/** A 200 with a JSON body. */
export const ok = (body: unknown): Reply => ({ status: 200, body });

/** The field selectors every kind supports. */
export const META_FIELDS = ['metadata.name', 'metadata.namespace'];

/** The value of a `metadata.*` field selector, or undefined for other fields. */
export function metaField(meta: ObjectMeta, field: string): string | undefined {
  return field === 'metadata.name' ? meta.name : field === 'metadata.namespace' ? meta.namespace : undefined;
}

/** Label and `metadata.*` field selectors over an object's metadata. */
export function matchesLabelsAndFields(
  meta: ObjectMeta,
  labels: LabelRequirement[],
  fields: FieldRequirement[],
): boolean {
  return matchesLabels(labels, meta.labels) && matchesFields(fields, (f) => metaField(meta, f));
}
