import { ecrCoordinates, environmentOf, serviceOf, type LoadedConfig } from '../config.js';
import type { EcrEvidence } from './ecr.js';
import type { GitHubEvidence } from './github.js';
import type { BuiltAt, EvidenceCheck, EvidenceReport, EvidenceRequest } from './types.js';

export interface EvidenceProviders {
  ecr?: EcrEvidence | undefined;
  ci?: GitHubEvidence | undefined;
}

/**
 * The evidence an environment requires (`requireEvidence`), gathered from the service's providers. What
 * is required but has no provider (the integration is not set up) is a failed check saying so; nothing
 * required passes without an answer.
 */
export class EvidenceGate {
  constructor(
    private readonly config: LoadedConfig,
    private readonly providers: EvidenceProviders,
  ) {}

  /** Never rejects for an upstream failure (see the providers); NOT_FOUND for unknown names. */
  async collect(req: EvidenceRequest): Promise<EvidenceReport> {
    const required = environmentOf(this.config, req.env).requireEvidence;
    const svc = serviceOf(this.config, req.env, req.service);
    const reports = await Promise.all(
      required.map(async (kind): Promise<EvidenceReport> => {
        if (kind === 'ecr') {
          const where = ecrCoordinates(svc.imageRepository, svc.evidence.ecr);
          if (!this.providers.ecr || !where) return missing('image', 'ECR', req.env);
          return this.providers.ecr.collect(where, req.version);
        }
        const ci = svc.evidence.ci;
        if (!this.providers.ci || !ci) return missing('CI checks', 'GitHub', req.env);
        return this.providers.ci.collect(ci, req.version);
      }),
    );
    const checks: EvidenceCheck[] = reports.flatMap((r) => r.checks);
    // Lead time counts from the commit when CI knows it, else from the image push.
    const built: BuiltAt | undefined =
      reports.find((r) => r.builtAt?.source === 'commit')?.builtAt ?? reports.find((r) => r.builtAt)?.builtAt;
    return { checks, ...(built ? { builtAt: built } : {}) };
  }
}

function missing(name: string, what: string, env: string): EvidenceReport {
  return {
    checks: [
      { name, ok: false, detail: `${env} requires ${what} evidence, but no ${what} client is configured` },
    ],
  };
}
