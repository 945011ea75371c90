import { z } from 'zod';

// Release evidence (DESIGN.md, "deploy: pre-checks"): where each service's image and CI results are, and
// which evidence an environment requires before a release may start.

/** The kinds of evidence an environment can require: the image and its scan in ECR, the CI checks. */
export const EvidenceKindSchema = z.enum(['ecr', 'ci']);
export type EvidenceKind = z.infer<typeof EvidenceKindSchema>;

/** An ECR image repository such as `123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout`. */
export const ECR_REPOSITORY =
  /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/(.+)$/;

const EcrEvidenceSchema = z
  .object({
    /** The repository name in ECR; default: the path of the service's `imageRepository`. */
    repositoryName: z.string().regex(/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/, 'must be an ECR repository name'),
    /** The account that owns the registry; default: the one in `imageRepository`. */
    registryId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    /** The registry's region; default: the one in `imageRepository`. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
  })
  .partial()
  .strict();

const CiEvidenceSchema = z
  .object({
    /** The GitHub repository whose tags name the versions: owner and name. */
    owner: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'must be a GitHub user or organisation name'),
    repo: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a GitHub repository name'),
    /** Prefix of the git tag of a version: `v` when 1.3.0 is tagged v1.3.0. */
    tagPrefix: z.string().max(20).default(''),
    /**
     * Check runs or commit statuses (by name or context) that must be present and green; others that
     * are present must not fail either. Empty: every check present must pass, and there must be one.
     */
    requiredChecks: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** Where a service's evidence comes from; each provider is used in the environments that require it. */
export const ServiceEvidenceSchema = z
  .object({
    ecr: EcrEvidenceSchema.optional(),
    ci: CiEvidenceSchema.optional(),
  })
  .strict();
export type ServiceEvidence = z.infer<typeof ServiceEvidenceSchema>;

/** How the providers are reached (the top-level `evidence` section). */
export const EvidenceSettingsSchema = z
  .object({
    github: z
      .object({
        /** Base URL of the GitHub REST API (GitHub Enterprise: https://<host>/api/v3). The token is GITHUB_TOKEN. */
        apiUrl: z.url().default('https://api.github.com'),
        timeoutMs: z.number().int().positive().default(10_000),
      })
      .strict()
      .default({ apiUrl: 'https://api.github.com', timeoutMs: 10_000 }),
  })
  .strict();
export type EvidenceSettings = z.infer<typeof EvidenceSettingsSchema>;

/** ECR coordinates of a service: explicit settings over what its `imageRepository` says; undefined: none. */
export function ecrCoordinates(
  imageRepository: string,
  settings: ServiceEvidence['ecr'],
): { repositoryName: string; registryId: string; region: string } | undefined {
  const m = ECR_REPOSITORY.exec(imageRepository);
  const repositoryName = settings?.repositoryName ?? m?.[3];
  const registryId = settings?.registryId ?? m?.[1];
  const region = settings?.region ?? m?.[2];
  return repositoryName && registryId && region ? { repositoryName, registryId, region } : undefined;
}

/**
 * The problems of an environment that requires evidence some service cannot give: an `ecr` requirement
 * without ECR coordinates, a `ci` one without `evidence.ci`. Reported at start-up with the fix.
 */
export function requiredEvidenceIssues(
  env: {
    requireEvidence: readonly EvidenceKind[];
    services: Record<string, { imageRepository: string; evidence: ServiceEvidence }>;
  },
  ctx: z.RefinementCtx,
): void {
  for (const [name, svc] of Object.entries(env.services)) {
    if (env.requireEvidence.includes('ecr') && !ecrCoordinates(svc.imageRepository, svc.evidence.ecr)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', name, 'evidence', 'ecr'],
        message:
          'requireEvidence lists ecr, but imageRepository is not an ECR repository: give evidence.ecr: { repositoryName, registryId, region }',
      });
    }
    if (env.requireEvidence.includes('ci') && !svc.evidence.ci) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', name, 'evidence', 'ci'],
        message:
          'requireEvidence lists ci: give evidence.ci: { owner, repo } (the GitHub repository tagged with the versions)',
      });
    }
  }
}
