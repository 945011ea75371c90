import type { World } from '../world.js';

/**
 * The sandbox's ECR (JSON 1.1 protocol: `POST /` with `X-Amz-Target:
 * AmazonEC2ContainerRegistry_V20150921.<Operation>`): DescribeImages and DescribeImageScanFindings for
 * the repositories of the seeded services, the images and findings chosen by tag (../evidence.ts).
 * Errors are `{ __type, message }` with the codes and wording ECR uses.
 */

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export interface EcrReply {
  status: number;
  body: unknown;
}

export function ecrError(status: number, type: string, message: string): EcrReply {
  return { status, body: { __type: type, message } };
}

interface ImageId {
  imageTag?: string;
  imageDigest?: string;
}

/** Serves one ECR operation; `target` is the X-Amz-Target header, `body` the request's JSON text. */
export function runEcr(world: World, target: string, body: string): EcrReply {
  const operation = target.slice(ECR_TARGET_PREFIX.length);
  if (operation !== 'DescribeImages' && operation !== 'DescribeImageScanFindings') {
    return ecrError(
      400,
      'UnknownOperationException',
      `The sandbox does not implement ECR ${operation}; it serves DescribeImages and DescribeImageScanFindings.`,
    );
  }
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body || '{}') as Record<string, unknown>;
  } catch {
    return ecrError(400, 'SerializationException', 'The request body is not valid JSON.');
  }
  const repositoryName = typeof input.repositoryName === 'string' ? input.repositoryName : undefined;
  if (!repositoryName) {
    return ecrError(
      400,
      'InvalidParameterException',
      "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null",
    );
  }
  const registryId = typeof input.registryId === 'string' ? input.registryId : world.account;
  if (!world.sources.ecrRepositories.has(`${registryId}/${repositoryName}`)) {
    return ecrError(
      400,
      'RepositoryNotFoundException',
      `The repository with name '${repositoryName}' does not exist in the registry with id '${registryId}'`,
    );
  }
  const where = { registryId, repositoryName };
  return operation === 'DescribeImages'
    ? describeImages(world, where, input.imageIds)
    : describeFindings(world, where, input.imageId);
}

interface Repo {
  registryId: string;
  repositoryName: string;
}

function notFound(repo: Repo, id: ImageId): EcrReply {
  return ecrError(
    400,
    'ImageNotFoundException',
    `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.repositoryName}' in the registry with id '${repo.registryId}'`,
  );
}

/** The tag of an image id: the sandbox's digests are the SHA-256 of the tag, so a digest is not resolved. */
function tagOf(id: ImageId): string | undefined {
  return id.imageTag;
}

function describeImages(world: World, repo: Repo, imageIds: unknown): EcrReply {
  const ids = Array.isArray(imageIds) ? (imageIds as ImageId[]) : [];
  const details: unknown[] = [];
  for (const id of ids) {
    const tag = tagOf(id);
    const evidence = tag === undefined ? undefined : world.sources.of(tag, world.profile(tag));
    if (!tag || !evidence?.image) return notFound(repo, id);
    const counts = severityCounts(evidence.findings);
    details.push({
      registryId: repo.registryId,
      repositoryName: repo.repositoryName,
      imageDigest: evidence.digest,
      imageTags: [tag],
      imageSizeInBytes: 48_213_337,
      imagePushedAt: evidence.pushedAt / 1000,
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      ...(evidence.findings
        ? {
            imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
            imageScanFindingsSummary: {
              imageScanCompletedAt: evidence.pushedAt / 1000 + 60,
              vulnerabilitySourceUpdatedAt: evidence.pushedAt / 1000 - 3600,
              findingSeverityCounts: counts,
            },
          }
        : {}),
    });
  }
  return { status: 200, body: { imageDetails: details } };
}

function describeFindings(world: World, repo: Repo, imageId: unknown): EcrReply {
  const id = (imageId ?? {}) as ImageId;
  const tag = tagOf(id);
  const evidence = tag === undefined ? undefined : world.sources.of(tag, world.profile(tag));
  if (!tag || !evidence?.image) return notFound(repo, id);
  if (!evidence.findings) {
    return ecrError(
      400,
      'ScanNotFoundException',
      `Image scan does not exist for the image with '{imageDigest:'${evidence.digest}', imageTag:'${tag}'}' in the repository with name '${repo.repositoryName}' in the registry with id '${repo.registryId}'`,
    );
  }
  return {
    status: 200,
    body: {
      registryId: repo.registryId,
      repositoryName: repo.repositoryName,
      imageId: { imageDigest: evidence.digest, imageTag: tag },
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindings: {
        imageScanCompletedAt: evidence.pushedAt / 1000 + 60,
        vulnerabilitySourceUpdatedAt: evidence.pushedAt / 1000 - 3600,
        findingSeverityCounts: severityCounts(evidence.findings),
        findings: evidence.findings.map((f) => ({
          name: f.name,
          description: f.description,
          uri: f.uri,
          severity: f.severity,
          attributes: [{ key: 'package_name', value: f.description.split(' in ').pop() ?? '' }],
        })),
      },
    },
  };
}

function severityCounts(findings: ReadonlyArray<{ severity: string }> | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings ?? []) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}
