/**
 * What each version of a sandbox service does when it runs. A tag not listed here behaves like a good
 * release when it looks like a release (`1.2.3`), and like an image that does not exist otherwise, so a
 * typo in a version is rehearsed the way it fails in real life: ErrImagePull.
 */
export type VersionBehaviour =
  | 'good'
  | 'high-error-rate'
  | 'slow'
  | 'crash-loop'
  | 'image-missing'
  | 'oom-killed'
  | 'readiness-fails'
  | 'unschedulable'
  | 'config-missing';

export interface VersionProfile {
  behaviour: VersionBehaviour;
  /** Fraction of requests answered with a 5xx once the pod serves (0.001 = 0.1%). */
  errorRate: number;
  /** p99 latency of a request, in milliseconds. */
  p99Ms: number;
  /** Simulated seconds from pod creation to Ready (for versions that become Ready). */
  readySeconds: number;
}

const GOOD: VersionProfile = { behaviour: 'good', errorRate: 0.0005, p99Ms: 120, readySeconds: 8 };

/** Tags with a built-in fault, by suffix, e.g. `1.3.1-errors`. */
const SCENARIOS: Record<string, VersionProfile> = {
  errors: { behaviour: 'high-error-rate', errorRate: 0.08, p99Ms: 140, readySeconds: 8 },
  slow: { behaviour: 'slow', errorRate: 0.0005, p99Ms: 900, readySeconds: 8 },
  crashloop: { behaviour: 'crash-loop', errorRate: 1, p99Ms: 0, readySeconds: Infinity },
  missing: { behaviour: 'image-missing', errorRate: 1, p99Ms: 0, readySeconds: Infinity },
  oom: { behaviour: 'oom-killed', errorRate: 1, p99Ms: 0, readySeconds: Infinity },
  notready: { behaviour: 'readiness-fails', errorRate: 1, p99Ms: 0, readySeconds: Infinity },
  pending: { behaviour: 'unschedulable', errorRate: 1, p99Ms: 0, readySeconds: Infinity },
  // Good at runtime; their registry and CI evidence is what differs (evidence.ts).
  vulnerable: GOOD,
  'high-findings': GOOD,
  unscanned: GOOD,
  'failing-tests': GOOD,
  untagged: GOOD,
  /** The pod spec references a ConfigMap that does not exist: CreateContainerConfigError. */
  noconfig: { behaviour: 'config-missing', errorRate: 1, p99Ms: 0, readySeconds: Infinity },
};

const RELEASE = /^v?\d+\.\d+\.\d+$/;

/** The behaviour of `version` (an image tag). Overrides, set through the sandbox's control API, win. */
export function profileOf(
  version: string,
  overrides: ReadonlyMap<string, VersionProfile> = new Map(),
): VersionProfile {
  const override = overrides.get(version);
  if (override) return override;
  if (RELEASE.test(version)) return GOOD;
  const suffix = /^v?\d+\.\d+\.\d+-([a-z]+(?:-[a-z]+)*)$/.exec(version)?.[1];
  const scenario = suffix === undefined ? undefined : SCENARIOS[suffix];
  return scenario ?? SCENARIOS.missing!;
}

/** The built-in scenario suffixes, for help texts: `<version>-<suffix>`. */
export const SCENARIO_SUFFIXES: readonly string[] = Object.keys(SCENARIOS);

/** The tag part of an image reference (`repo:tag` → `tag`; a digest or no tag → undefined). */
export function tagOf(image: string): string | undefined {
  const at = image.indexOf('@');
  const ref = at === -1 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
}
