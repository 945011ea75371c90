import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { quickRetries, REGION } from '../../helpers/aws.js';

describe('the sandbox’s ECR (JSON 1.1) through the real ECR client', () => {
  let sandbox: Sandbox;
  let ecr: ECRClient;

  beforeAll(async () => {
    sandbox = await startSandbox();
    ecr = new ECRClient({
      endpoint: sandbox.awsEndpoint,
      region: REGION,
      credentials: SANDBOX_CREDENTIALS,
      maxAttempts: 1,
      retryStrategy: quickRetries(1),
    });
  });
  afterAll(async () => {
    ecr.destroy();
    await sandbox.close();
  });

  it('describes an image of a seeded repository with its digest, push time and scan summary', async () => {
    // Act
    const out = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'checkout',
        registryId: '123456789012',
        imageIds: [{ imageTag: '1.3.0-high-findings' }],
      }),
    );

    // Assert
    const image = out.imageDetails?.[0];
    expect(image?.imageTags).toEqual(['1.3.0-high-findings']);
    expect(image?.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image?.imagePushedAt).toBeInstanceOf(Date);
    expect(image!.imagePushedAt!.getTime()).toBeLessThan(Date.now());
    expect(image?.imageScanStatus?.status).toBe('COMPLETE');
    expect(image?.imageScanFindingsSummary?.findingSeverityCounts).toEqual({ HIGH: 2, MEDIUM: 1, LOW: 1 });
  });

  it('answers an unknown repository with RepositoryNotFoundException and an unserved operation as ECR would', async () => {
    // Act
    const unknown = ecr.send(
      new DescribeImagesCommand({ repositoryName: 'payments', imageIds: [{ imageTag: '1.0.0' }] }),
    );
    const unserved = ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['checkout'] }));

    // Assert
    await expect(unknown).rejects.toBeInstanceOf(RepositoryNotFoundException);
    await expect(unknown).rejects.toThrow(
      "The repository with name 'payments' does not exist in the registry with id '123456789012'",
    );
    await expect(unserved).rejects.toMatchObject({ name: 'UnknownOperationException' });
    await expect(unserved).rejects.toThrow(/serves DescribeImages and DescribeImageScanFindings/);
  });

  it('refuses an unsigned request', async () => {
    // Act
    const res = await fetch(sandbox.awsEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeImages',
      },
      body: JSON.stringify({ repositoryName: 'checkout', imageIds: [{ imageTag: '1.3.0' }] }),
    });

    // Assert
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });
});
