import { createHash } from 'node:crypto';
import { ecrCoordinates, type LoadedConfig } from '../../../src/config.js';
import { profileOf, type VersionProfile } from './scenarios.js';

/**
 * What the sandbox's registry (ECR) and CI (a GitHub stand-in) know about each version, chosen by its tag
 * as the runtime behaviour is (scenarios.ts): `-vulnerable` has a CRITICAL finding, `-high-findings` HIGH
 * ones only, `-unscanned` no scan, `-failing-tests` a failing check run, `-untagged` no git tag; a tag
 * whose image does not exist (`-missing`, a typo) is not in the registry either.
 */

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';

export interface SandboxFinding {
  name: string;
  severity: Severity;
  uri: string;
  description: string;
}

export interface SandboxCheckRun {
  name: string;
  conclusion: 'success' | 'failure';
  title: string;
  summary: string;
}

export interface VersionEvidence {
  /** The image is in the registry. */
  image: boolean;
  digest: string;
  /** Wall-clock ms of the push. */
  pushedAt: number;
  /** Undefined: never scanned. */
  findings: SandboxFinding[] | undefined;
  /** The git tag exists. */
  tagged: boolean;
  commitSha: string;
  /** Wall-clock ms of the commit. */
  committedAt: number;
  checkRuns: SandboxCheckRun[];
  statuses: Array<{ context: string; state: 'success' | 'failure'; description: string }>;
}

const HOUR = 3_600_000;

const FINDING = (name: string, severity: Severity, pkg: string): SandboxFinding => ({
  name,
  severity,
  uri: `https://nvd.nist.gov/vuln/detail/${name}`,
  description: `${severity.toLowerCase()} vulnerability in ${pkg}`,
});

const BASE_FINDINGS = [
  FINDING('CVE-2024-0727', 'MEDIUM', 'openssl'),
  FINDING('CVE-2023-5678', 'LOW', 'openssl'),
];

/** The registries and repositories the sandbox serves, from the configuration it was seeded with. */
export class SandboxSources {
  readonly ecrRepositories = new Set<string>();
  readonly githubRepositories = new Map<string, { tagPrefix: string }>();
  /** Versions by the commit their tag resolved to, for the commit endpoints. */
  readonly commits = new Map<string, string>();
  /** Wall-clock start of the sandbox: builds are dated a few hours before it. */
  readonly startedAt = Date.now();

  seed(config: LoadedConfig): void {
    for (const env of Object.values(config.environments)) {
      for (const svc of Object.values(env.services)) {
        const ecr = ecrCoordinates(svc.imageRepository, svc.evidence.ecr);
        if (ecr) this.ecrRepositories.add(`${ecr.registryId}/${ecr.repositoryName}`);
        const ci = svc.evidence.ci;
        if (ci) this.githubRepositories.set(`${ci.owner}/${ci.repo}`, { tagPrefix: ci.tagPrefix });
      }
    }
  }

  /** The evidence of `version` (an image tag), given its runtime profile. */
  of(version: string, profile: VersionProfile = profileOf(version)): VersionEvidence {
    const hash = createHash('sha256').update(version).digest('hex');
    const pushedAt = this.startedAt - 2 * HOUR - (parseInt(hash.slice(0, 6), 16) % 22) * HOUR;
    const has = (suffix: string): boolean => version.includes(`-${suffix}`);
    const failing = has('failing-tests');
    const findings = has('unscanned')
      ? undefined
      : has('vulnerable')
        ? [
            FINDING('CVE-2024-3094', 'CRITICAL', 'xz-utils'),
            FINDING('CVE-2023-44487', 'HIGH', 'nghttp2'),
            ...BASE_FINDINGS,
          ]
        : has('high-findings')
          ? [
              FINDING('CVE-2023-44487', 'HIGH', 'nghttp2'),
              FINDING('CVE-2023-38545', 'HIGH', 'curl'),
              ...BASE_FINDINGS,
            ]
          : BASE_FINDINGS;
    return {
      image: profile.behaviour !== 'image-missing',
      digest: `sha256:${hash}`,
      pushedAt,
      findings,
      tagged: !has('untagged'),
      commitSha: createHash('sha1').update(version).digest('hex'),
      committedAt: pushedAt - 20 * 60_000,
      checkRuns: [
        {
          name: 'E2E tests',
          conclusion: 'success',
          title: '48/48 passed',
          summary: 'All end-to-end scenarios passed.',
        },
        failing
          ? {
              name: 'Integration tests',
              conclusion: 'failure',
              title: '152/156 passed, 4 failed',
              summary: 'checkout-payment-timeout, checkout-refund, cart-merge, cart-expiry failed.',
            }
          : {
              name: 'Integration tests',
              conclusion: 'success',
              title: '156/156 passed',
              summary: 'All passed.',
            },
        {
          name: 'Performance tests',
          conclusion: 'success',
          title: 'P99 < 100ms',
          summary: 'p99 84 ms at 500 rps.',
        },
      ],
      statuses: [{ context: 'ci/build', state: 'success', description: 'Image built and pushed' }],
    };
  }
}
