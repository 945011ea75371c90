import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

interface Manifest {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
}

interface Container {
  name: string;
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  envFrom: Array<{ secretRef?: { name: string } }>;
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

const root = join(import.meta.dirname, '..', '..');

function render(): Manifest[] {
  const out = execFileSync('kubectl', ['kustomize', join(root, 'deploy', 'kubernetes')], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out).map((d) => d.toJS() as Manifest);
}

const one = (manifests: Manifest[], kind: string) => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe('deploy/kubernetes', () => {
  const manifests = render();

  it('renders two replicas of `jarvis serve` with probes on /healthz, resources and the Secret as environment', () => {
    const deployment = one(manifests, 'Deployment');
    const spec = deployment.spec as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: {
        metadata: { labels: Record<string, string> };
        spec: { serviceAccountName: string; containers: Container[] };
      };
    };
    const [container] = spec.template.spec.containers;

    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.serviceAccountName).toBe('jarvis');
    expect(container!.args).toEqual(['serve']);
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container!.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(Object.keys(container!.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container!.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(container!.envFrom).toEqual([{ secretRef: { name: one(manifests, 'Secret').metadata.name } }]);
    for (const [k, v] of Object.entries(spec.selector.matchLabels))
      expect(spec.template.metadata.labels[k]).toBe(v);
  });

  it('keeps a replica through voluntary disruptions, selecting the Deployment’s pods', () => {
    const pdb = one(manifests, 'PodDisruptionBudget').spec as { minAvailable: number; selector: unknown };
    const deployment = one(manifests, 'Deployment').spec as { selector: unknown };

    expect(pdb.minAvailable).toBe(1);
    expect(pdb.selector).toEqual(deployment.selector);
  });

  it('gives the ServiceAccount an IAM role for IRSA', () => {
    const sa = one(manifests, 'ServiceAccount');
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\/.+/);
  });

  it('lists the Secret keys Jarvis reads, each documented in .env.example, with no value committed', () => {
    const secret = one(manifests, 'Secret').stringData!;
    const documented = readFileSync(join(root, '.env.example'), 'utf8');

    expect(Object.keys(secret)).toEqual(
      expect.arrayContaining(['JARVIS_DATABASE_URL', 'JARVIS_MFA_KEY', 'SLACK_BOT_TOKEN']),
    );
    for (const [key, value] of Object.entries(secret)) {
      expect(value, key).toBe('');
      expect(documented, key).toContain(`${key}=`);
    }
  });
});

describe('docs/iam-policy.json', () => {
  const policy = JSON.parse(readFileSync(join(root, 'docs', 'iam-policy.json'), 'utf8')) as {
    Statement: Array<{ Effect: string; Action: string[]; Resource: string | string[] }>;
  };
  const allowed = (action: string) =>
    policy.Statement.filter((s) => s.Effect === 'Allow' && s.Action.includes(action));

  it('allows every AWS call the platform adapters make', () => {
    const dir = join(root, 'src', 'platform');
    const source = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const calls = [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!))];
    const services: Record<string, string> = {
      DescribeCluster: 'eks',
      GetMetricData: 'cloudwatch',
      DescribeImages: 'ecr',
      DescribeImageScanFindings: 'ecr',
    };
    const service = (name: string) => services[name] ?? 'elasticloadbalancing';

    expect(calls.length).toBeGreaterThan(3);
    for (const call of calls) expect(allowed(`${service(call)}:${call}`), call).not.toHaveLength(0);
  });

  it('writes only to named listeners and rules, never with a wildcard action or resource', () => {
    for (const action of ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule']) {
      for (const s of allowed(action)) {
        expect(
          [s.Resource]
            .flat()
            .every((r) => /^arn:aws:elasticloadbalancing:[^:]+:\d{12}:listener(-rule)?\/app\//.test(r)),
        ).toBe(true);
      }
    }
    for (const s of policy.Statement) expect(s.Action.some((a) => a.includes('*'))).toBe(false);
    expect(allowed('eks:DescribeCluster')[0]!.Resource).not.toBe('*');
    expect(allowed('cloudwatch:GetMetricData')).toHaveLength(1);
    expect(allowed('ecr:DescribeImages')).toHaveLength(1);
  });
});
