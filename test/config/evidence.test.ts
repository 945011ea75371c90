import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema, SANDBOX_CONFIG_PATH } from '../../src/config.js';

interface Doc {
  environments: Record<
    string,
    { requireEvidence?: string[]; services: Record<string, { imageRepository: string; evidence?: unknown }> }
  >;
}

/** The shipped sandbox configuration as a plain object, to change one thing in. */
function sandboxDoc(): Doc {
  return parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Doc;
}

function envOf(doc: Doc, env: string): Doc['environments'][string] {
  return doc.environments[env]!;
}

function checkout(doc: Doc, env: string): { imageRepository: string; evidence?: unknown } {
  return envOf(doc, env).services.checkout!;
}

describe('release evidence settings', () => {
  it('the sandbox configuration requires ECR and CI evidence in tst and prd, not in dev', () => {
    // Act
    const config = ConfigSchema.parse(sandboxDoc());

    // Assert
    expect(config.environments.dev?.requireEvidence).toEqual([]);
    expect(config.environments.tst?.requireEvidence).toEqual(['ecr', 'ci']);
    expect(config.environments.prd?.services.checkout?.evidence.ci).toEqual({
      owner: 'shop',
      repo: 'checkout',
      tagPrefix: '',
      requiredChecks: [],
    });
  });

  it.each([
    [
      'ci without a repository',
      (doc: Doc) => delete checkout(doc, 'prd').evidence,
      'environments.prd.services.checkout.evidence.ci',
      /^requireEvidence lists ci: give evidence\.ci: \{ owner, repo \}/,
    ],
    [
      'ecr for an image outside ECR',
      (doc: Doc) => (checkout(doc, 'tst').imageRepository = 'ghcr.io/shop/checkout'),
      'environments.tst.services.checkout.evidence.ecr',
      /^requireEvidence lists ecr, but imageRepository is not an ECR repository/,
    ],
    [
      'an unknown kind of evidence',
      (doc: Doc) => (envOf(doc, 'prd').requireEvidence = ['ecr', 'sbom']),
      'environments.prd.requireEvidence.1',
      /^Invalid option: expected one of "ecr"\|"ci"/,
    ],
  ])('refuses %s at start-up, naming the setting', (_what, change, path, message) => {
    // Arrange
    const doc = sandboxDoc();
    change(doc);

    // Act
    const result = ConfigSchema.safeParse(doc);

    // Assert
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message).toMatch(message);
  });
});
