/**
 * Release evidence: facts from outside Jarvis (the registry, CI) that a version is fit to release. Each
 * provider answers for one version of one service with a list of checks in the pre-check list's shape;
 * a provider never passes silently: what it could not establish is a failed check saying so.
 */

/** One item of the pre-check list (the same shape as the rollout's own checks). */
export interface EvidenceCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** When the version was built, for lead time: the image push (ECR) or the commit (CI). Wall-clock ms. */
export interface BuiltAt {
  at: number;
  source: 'image pushed' | 'commit';
}

export interface EvidenceReport {
  checks: EvidenceCheck[];
  /** Undefined when the provider could not tell. */
  builtAt?: BuiltAt;
}

/** What is asked of a provider: a version of a service, with its coordinates from configuration. */
export interface EvidenceRequest {
  env: string;
  service: string;
  version: string;
}
