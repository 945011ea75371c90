import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
  ScanNotFoundException,
  type ECRClient,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { messageOf } from '../errors.js';
import type { EvidenceCheck, EvidenceReport } from './types.js';

/** Where a service's images are in ECR. */
export interface EcrCoordinates {
  repositoryName: string;
  registryId: string;
  region: string;
}

/** Severities that refuse a release, and those shown without refusing. */
const REFUSED = ['CRITICAL'] as const;
const SHOWN = ['HIGH'] as const;
/** Finding names listed per severity, at most. */
const NAMES_SHOWN = 3;

/**
 * The image and its scan in ECR (DescribeImages, DescribeImageScanFindings). The tag must exist; the scan
 * must be complete with no CRITICAL finding; HIGH findings are shown. Clients come per region from the
 * caller (one per region, built by the platform).
 */
export class EcrEvidence {
  constructor(private readonly clientFor: (region: string) => ECRClient) {}

  /** Never rejects: an unreachable ECR is a failed check naming what could not be checked. */
  async collect(where: EcrCoordinates, version: string): Promise<EvidenceReport> {
    const client = this.clientFor(where.region);
    const ref = `${where.repositoryName}:${version}`;
    let image: ImageDetail | undefined;
    try {
      const out = await client.send(
        new DescribeImagesCommand({
          repositoryName: where.repositoryName,
          registryId: where.registryId,
          imageIds: [{ imageTag: version }],
        }),
      );
      image = out.imageDetails?.[0];
    } catch (err) {
      if (err instanceof ImageNotFoundException || err instanceof RepositoryNotFoundException) {
        return {
          checks: [
            {
              name: 'image',
              ok: false,
              detail: `${ref} is not in ECR (${err.name}): push the image, or check the version`,
            },
          ],
        };
      }
      return { checks: [unreachable('image', `whether ${ref} is in ECR`, err)] };
    }
    if (!image) {
      return { checks: [{ name: 'image', ok: false, detail: `ECR returned no image for ${ref}` }] };
    }
    const pushed = image.imagePushedAt;
    const checks: EvidenceCheck[] = [
      {
        name: 'image',
        ok: true,
        detail: `${ref} in ECR${pushed ? ` (pushed ${pushed.toISOString().slice(0, 16).replace('T', ' ')} UTC)` : ''}`,
      },
      await this.scan(client, where, version, ref),
    ];
    return { checks, ...(pushed ? { builtAt: { at: pushed.getTime(), source: 'image pushed' } } : {}) };
  }

  private async scan(
    client: ECRClient,
    where: EcrCoordinates,
    version: string,
    ref: string,
  ): Promise<EvidenceCheck> {
    const name = 'security scan';
    try {
      const out = await client.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: where.repositoryName,
          registryId: where.registryId,
          imageId: { imageTag: version },
          maxResults: 100,
        }),
      );
      const status = out.imageScanStatus?.status;
      if (status !== 'COMPLETE' && status !== 'ACTIVE') {
        return {
          name,
          ok: false,
          detail: `the scan of ${ref} is ${status ?? 'of unknown status'}${out.imageScanStatus?.description ? ` (${out.imageScanStatus.description})` : ''}: no result to judge yet`,
        };
      }
      const counts: Partial<Record<string, number>> = out.imageScanFindings?.findingSeverityCounts ?? {};
      const findings = out.imageScanFindings?.findings ?? [];
      const names = (severity: string): string => {
        const listed = findings.filter((f) => f.severity === severity).map((f) => f.name ?? '?');
        if (listed.length === 0) return '';
        const more = listed.length > NAMES_SHOWN ? `, +${listed.length - NAMES_SHOWN} more` : '';
        return ` (${listed.slice(0, NAMES_SHOWN).join(', ')}${more})`;
      };
      const part = (severity: string): string | undefined => {
        const n = counts[severity] ?? 0;
        return n > 0 ? `${n} ${severity}${names(severity)}` : undefined;
      };
      const refused = REFUSED.map(part).filter((p) => p !== undefined);
      const shown = SHOWN.map(part).filter((p) => p !== undefined);
      if (refused.length > 0) {
        return {
          name,
          ok: false,
          detail: `${refused.join(', ')} in ${ref}${shown.length ? `; also ${shown.join(', ')}` : ''}: a CRITICAL finding blocks the release`,
        };
      }
      return {
        name,
        ok: true,
        detail: `No CRITICAL vulnerabilities${shown.length ? `; ${shown.join(', ')}` : ''}`,
      };
    } catch (err) {
      if (err instanceof ScanNotFoundException) {
        return {
          name,
          ok: false,
          detail: `${ref} has no scan result (ScanNotFoundException): scan it (scan on push, or StartImageScan) before releasing`,
        };
      }
      return unreachable(name, `the scan findings of ${ref}`, err);
    }
  }
}

function unreachable(name: string, what: string, err: unknown): EvidenceCheck {
  return { name, ok: false, detail: `could not check ${what}: ${messageOf(err)}` };
}
