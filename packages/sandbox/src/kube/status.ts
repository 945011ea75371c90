import { qualifiedResource, RESOURCE_NAMES } from './meta.js';

/** One field-level cause of an Invalid (422) Status. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The `Status` object the API server answers every failure with. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** A failure to answer with a Kubernetes Status; thrown by handlers and the simulation alike. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function detailsOf(kind: string, name: string): StatusDetails {
  const r = RESOURCE_NAMES[kind];
  return { name, group: r?.group ?? '', kind: r?.plural ?? kind.toLowerCase() };
}

/** 404: `deployments.apps "x" not found`. */
export function notFound(kind: string, name: string): KubeApiError {
  return new KubeApiError(
    404,
    'NotFound',
    `${qualifiedResource(kind)} "${name}" not found`,
    detailsOf(kind, name),
  );
}

/** 409: the object changed since the resourceVersion the write was based on. */
export function conflict(kind: string, name: string): KubeApiError {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(kind, name),
  );
}

/** 422: `Deployment.apps "x" is invalid: <field>: <message>, ...`. */
export function invalid(kind: string, name: string, causes: StatusCause[]): KubeApiError {
  const group = RESOURCE_NAMES[kind]?.group;
  const qualified = group ? `${kind}.${group}` : kind;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = list.length === 1 ? list[0]! : `[${list.join(', ')}]`;
  return new KubeApiError(422, 'Invalid', `${qualified} "${name}" is invalid: ${summary}`, {
    name,
    group: group ?? '',
    kind,
    causes,
  });
}

/** 400 with `message`. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

/** 405 for a verb the path does not serve. */
export function methodNotAllowed(): KubeApiError {
  return new KubeApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

/** 404 for a path the server does not know. */
export function pathNotFound(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 415 for a PATCH in a content type other than the three patch types. */
export function unsupportedMediaType(): KubeApiError {
  return new KubeApiError(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
  );
}

/** 410 for a continue token that is not (or no longer) valid. */
export function expired(): KubeApiError {
  return new KubeApiError(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
  );
}

/** 401, exactly as EKS answers a bad token. */
export function unauthorized(): KubeApiError {
  return new KubeApiError(401, 'Unauthorized', 'Unauthorized');
}

/** 429 with Retry-After: 1, as API Priority and Fairness answers. */
export function tooManyRequests(): KubeApiError {
  return new KubeApiError(
    429,
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
    { retryAfterSeconds: 1 },
    { 'retry-after': '1' },
  );
}

/** 500, as the API server answers when etcd fails. */
export function internalError(): KubeApiError {
  return new KubeApiError(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out', {
    causes: [{ reason: '', message: 'etcdserver: request timed out', field: '' }],
  });
}

/** 503, as a load balancer in front of a dead API server answers. */
export function serviceUnavailable(): KubeApiError {
  return new KubeApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
}

/** 413 for a body over the API server's 3 MiB limit. */
export function requestTooLarge(): KubeApiError {
  return new KubeApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}
