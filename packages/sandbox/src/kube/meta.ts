import { createHash, randomUUID } from 'node:crypto';

/** RFC 3339 at second precision, as the API server writes `creationTimestamp` and condition times. */
export function ts(ms: number): string {
  const second = Math.floor(ms / 1000);
  // Formatting dominates bulk population; consecutive calls mostly fall in the same second.
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  }
  return lastText;
}
let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 with nanoseconds, as kubelet writes log timestamps. */
export function tsNano(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = String(Math.round((ms - whole) * 1e6)).padStart(6, '0');
  return new Date(whole).toISOString().replace(/Z$/, `${nanos}Z`);
}

/** A fresh metadata.uid. */
export function newUid(): string {
  return randomUUID();
}

/** The alphabet Kubernetes uses for generated name suffixes and pod-template hashes (no vowels). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A `generateName` suffix: 5 characters from the safe alphabet, drawn from `seed`. */
export function nameSuffix(seed: string, length = 5): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE[digest[i]! % SAFE.length];
  return out;
}

/** The `pod-template-hash` of a pod template: stable for equal templates, 10 safe characters. */
export function templateHash(template: unknown): string {
  return nameSuffix(JSON.stringify(template), 10);
}

/** A small deterministic hash of a string, for pseudo-random but repeatable choices. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Kubernetes' resource name for a kind, as used in messages: `deployments.apps`, `pods`. */
export const RESOURCE_NAMES: Readonly<Record<string, { plural: string; group: string }>> = {
  Deployment: { plural: 'deployments', group: 'apps' },
  Pod: { plural: 'pods', group: '' },
  Event: { plural: 'events', group: '' },
  Ingress: { plural: 'ingresses', group: 'networking.k8s.io' },
  Namespace: { plural: 'namespaces', group: '' },
  Service: { plural: 'services', group: '' },
  ReplicaSet: { plural: 'replicasets', group: 'apps' },
};

/** `deployments.apps`, `pods`, `ingresses.networking.k8s.io`. */
export function qualifiedResource(kind: string): string {
  const r = RESOURCE_NAMES[kind];
  if (!r) return kind.toLowerCase();
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}
