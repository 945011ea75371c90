import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { run, startSandboxProcess, type Ran, type SandboxProcess } from '../helpers/sandbox-process.js';

// Smoke test with the real kubectl and AWS CLI against `jarvis sandbox`, started as a person starts it,
// with nothing but the exports it prints (and a scratch HOME so that no local configuration helps).

const config = loadConfig(SANDBOX_CONFIG_PATH);
const tst = config.environments.tst!.services.checkout!;
const dev = config.environments.dev!.services.checkout!;
const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

let dir: string;
let sandbox: SandboxProcess;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-real-tools-'));
  sandbox = startSandboxProcess(['--port', '0', '--time-scale', '60'], {
    JARVIS_DATA_DIR: join(dir, 'data'),
  });
  const exports = await sandbox.ready;
  env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    KUBECACHEDIR: join(dir, 'kube-cache'),
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_PAGER: '',
    ...exports,
  };
}, 40_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kubectl = (...args: string[]): Ran => run('kubectl', args, env);
/**
 * The AWS CLI reads service endpoints from the environment (AWS_ENDPOINT_URL_<SERVICE>) since v1.29 and
 * v2.13; an older one (Debian bookworm's awscli is 2.9) is given the endpoint on the command line.
 */
function endpointArgs(): string[] {
  const version = run('aws', ['--version'], env);
  const v = /aws-cli\/(\d+)\.(\d+)/.exec(`${version.stdout}${version.stderr}`);
  const [major, minor] = [Number(v?.[1] ?? 0), Number(v?.[2] ?? 0)];
  const reads = (major === 1 && minor >= 29) || (major === 2 && minor >= 13) || major > 2;
  return reads ? [] : ['--endpoint-url', env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2!];
}
let endpoint: string[] | undefined;
const aws = (...args: string[]): Ran => run('aws', [...(endpoint ??= endpointArgs()), ...args], env);
const patchImage = (deployment: string, version: string): Ran =>
  kubectl(
    'patch',
    `deployment/${deployment}`,
    '--type',
    'strategic',
    '-p',
    JSON.stringify({
      spec: {
        template: {
          spec: { containers: [{ name: 'app', image: `${IMAGE}/${deployment.split('-')[0]}:${version}` }] },
        },
      },
    }),
  );
const podNames = (selector: string): string[] =>
  kubectl('get', 'pods', '-l', selector, '-o', 'name').stdout.split('\n').filter(Boolean);

async function eventually<T>(read: () => T, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('jarvis sandbox exports', () => {
  it('prints the region for the AWS CLI v1 and v2 and a KUBECONFIG of private per-cluster files', () => {
    // Assert
    expect(env.AWS_DEFAULT_REGION).toBe('eu-west-1');
    expect(env.AWS_REGION).toBe('eu-west-1');
    const files = env.KUBECONFIG!.split(':');
    expect(files.map((f) => f.split('/').pop())).toEqual([
      'kubeconfig-jarvis-dev.yaml',
      'kubeconfig-jarvis-tst.yaml',
      'kubeconfig-jarvis-prd.yaml',
    ]);
    for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readFileSync(files[0]!, 'utf8')).toContain('certificate-authority-data:');
    expect(kubectl('config', 'get-contexts', '-o', 'name').stdout.split('\n').filter(Boolean)).toEqual([
      'jarvis-dev',
      'jarvis-prd',
      'jarvis-tst',
    ]);
  });
});

describe('kubectl', () => {
  it.each([
    [
      'pods',
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/,
      /^checkout-blue-\w+-\w+\s+1\/1\s+Running\s+0\s+\d+m/,
    ],
    ['deployments', /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/, /^checkout-blue\s+3\/3\s+3\s+3\s+\d+m/],
    ['replicasets', /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/, /^checkout-blue-\w+\s+3\s+3\s+3\s+\d+m/],
    [
      'services',
      /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/,
      /^checkout-blue\s+ClusterIP\s+172\.20\.\d+\.\d+\s+<none>\s+80\/TCP/,
    ],
    ['namespaces', /^NAME\s+STATUS\s+AGE$/, /^shop\s+Active\s+\d+m/],
    [
      'events',
      /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/,
      /\s+Normal\s+Scheduled\s+pod\/checkout-blue-/,
    ],
  ])('get %s prints the API server columns, ages in real time', (what, header, row) => {
    // Act
    const r = kubectl('get', what);
    // Assert
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(header);
    expect(lines.slice(1).some((l) => row.test(l))).toBe(true);
    expect(r.stdout).not.toContain('<invalid>');
  });

  it('runs the kubectl hints of the node, HPA and PDB findings: the API server lists the kinds', () => {
    // Act
    const nodes = kubectl('get', 'nodes', '-o', 'name');
    const node = nodes.stdout.split('\n').find(Boolean)!;
    const described = kubectl('describe', node);
    const hpas = kubectl('-n', 'shop', 'get', 'hpa');
    const pdbs = kubectl('-n', 'shop', 'get', 'pdb');
    const missing = kubectl('-n', 'shop', 'describe', 'hpa', 'no-such-hpa');

    // Assert
    expect(nodes.status).toBe(0);
    expect(node).toMatch(/^node\//);
    expect(described.status).toBe(0);
    expect(described.stdout).toMatch(/^Conditions:/m);
    for (const r of [hpas, pdbs]) {
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('No resources found in shop namespace.');
    }
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/NotFound|not found/);
  });

  it('get pods -A lists every namespace with a NAMESPACE column', () => {
    // Act
    const r = kubectl('get', 'pods', '-A');
    // Assert
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS/);
    expect(r.stdout).toMatch(/^shop\s+checkout-blue-/m);
  });

  it('runs the kubectl hints a diagnosis prints: sorted, field-selected events and logs by label', () => {
    // Arrange
    const pod = podNames('app=checkout,colour=blue')[0]!.replace('pod/', '');
    // Act
    const events = kubectl(
      '-n',
      'shop',
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${pod}`,
      '--sort-by=.lastTimestamp',
    );
    const logs = kubectl('-n', 'shop', 'logs', '-l', 'app=checkout,colour=blue', '--tail=2', '--prefix');
    const pending = kubectl(
      '-n',
      'shop',
      'get',
      'pods',
      '-l',
      'app=checkout,colour=blue',
      '--field-selector=status.phase=Pending',
    );
    // Assert
    expect(events.status).toBe(0);
    const rows = events.stdout.trimEnd().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes(`pod/${pod}`))).toBe(true);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toMatch(/^\[pod\/checkout-blue-\S+\/app\] /m);
    expect(pending).toMatchObject({ status: 0, stdout: '' });
    expect(pending.stderr).toContain('No resources found in shop namespace.');
  });

  it('describe pod prints the pod, its container state and its events', () => {
    // Arrange
    const pod = podNames('app=checkout,colour=blue')[0]!;
    // Act
    const r = kubectl('describe', pod);
    // Assert
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+checkout-blue-/m);
    expect(r.stdout).toMatch(/^Status:\s+Running$/m);
    expect(r.stdout).toMatch(/Controlled By:\s+ReplicaSet\/checkout-blue-/);
    expect(r.stdout).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+Started container app/);
  });

  it('logs prints the container log; logs --previous of a container that never restarted fails', () => {
    // Arrange
    const pod = podNames('app=checkout,colour=blue')[0]!;
    // Act
    const logs = kubectl('logs', pod, '--tail', '5');
    const previous = kubectl('logs', pod, '--previous');
    // Assert
    expect(logs.status).toBe(0);
    expect(logs.stdout.trimEnd().split('\n')).toHaveLength(5);
    expect(previous.status).toBe(1);
    expect(previous.stderr).toContain('previous terminated container "app"');
  });

  it('rollout status waits for a Deployment that is rolled out and times out on one that crash-loops', () => {
    // Arrange: a strategic-merge patch of the image to a version that crash-loops.
    const patched = patchImage('checkout-green', '1.3.0-crashloop');
    // Act
    const done = kubectl('rollout', 'status', 'deployment/checkout-blue', '--timeout=10s');
    const stuck = kubectl('rollout', 'status', 'deployment/checkout-green', '--timeout=2s');
    // Assert
    expect(patched).toMatchObject({ status: 0, stdout: 'deployment.apps/checkout-green patched\n' });
    expect(done).toMatchObject({ status: 0, stdout: 'deployment "checkout-blue" successfully rolled out\n' });
    expect(stuck.status).toBe(1);
    expect(stuck.stdout).toContain('Waiting for deployment "checkout-green" rollout to finish');
    expect(stuck.stderr).toContain('timed out waiting for the condition');
  });

  it('logs --previous prints what the crashed container printed before it died', async () => {
    // Arrange: the crash-looping pod of the test before, once it restarted.
    const restarted = await eventually(
      () =>
        kubectl(
          'get',
          'pods',
          '-l',
          'app=checkout,colour=green',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].restartCount}{"\\n"}{end}',
        ).stdout,
      (out) => /\s[1-9]\d*$/m.test(out),
    );
    const pod = /^(\S+) [1-9]\d*$/m.exec(restarted)?.[1];
    expect(pod).toBeDefined();
    // Act
    const r = kubectl('logs', `pod/${pod!}`, '--previous');
    // Assert
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/panic|FATAL|fatal/);
  });

  it('get -w keeps watching and shows the pods a change creates', async () => {
    // Arrange
    const before = new Set(podNames('app=catalog,colour=green').map((n) => n.replace('pod/', '')));
    const child = spawn('kubectl', ['get', 'pods', '-w', '-l', 'app=catalog,colour=green', '--no-headers'], {
      env,
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(
      () => out,
      (o) => o.split('\n').filter(Boolean).length >= before.size,
      10_000,
    );
    // Act
    const patched = patchImage('catalog-green', '1.4.0');
    const seen = await eventually(
      () => out,
      (o) => o.split('\n').some((l) => l !== '' && !before.has(l.split(/\s+/)[0]!)),
      10_000,
    );
    const running = child.exitCode === null;
    child.kill('SIGINT');
    // Assert
    expect(patched.status).toBe(0);
    expect(running).toBe(true);
    const fresh = seen.split('\n').filter((l) => l !== '' && !before.has(l.split(/\s+/)[0]!));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh[0]).toMatch(/^catalog-green-\w+-\w+\s+[01]\/1\s+\w+/);
  });

  it('is refused with a token the sandbox did not issue', () => {
    // Act
    const r = kubectl('get', 'pods', '--token', 'not-the-sandbox-token');
    // Assert
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Unauthorized');
  });
});

describe('aws elbv2', () => {
  it('describe-rules shows the weighted forward of a listener', () => {
    // Act
    const r = aws('elbv2', 'describe-rules', '--listener-arn', dev.listenerArn!, '--output', 'json');
    // Assert
    expect(r.status).toBe(0);
    const rules = (
      JSON.parse(r.stdout) as {
        Rules: Array<{
          IsDefault: boolean;
          Actions: Array<{
            ForwardConfig: { TargetGroups: Array<{ TargetGroupArn: string; Weight: number }> };
          }>;
        }>;
      }
    ).Rules;
    const groups = rules.find((x) => x.IsDefault)!.Actions[0]!.ForwardConfig.TargetGroups;
    expect(groups).toEqual([
      { TargetGroupArn: dev.blue.targetGroupArn, Weight: 100 },
      { TargetGroupArn: dev.green.targetGroupArn, Weight: 0 },
    ]);
  });

  it('modify-rule writes a weighted forward that describe-rules reads back', () => {
    // Arrange
    const actions = JSON.stringify([
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: tst.blue.targetGroupArn, Weight: 90 },
            { TargetGroupArn: tst.green.targetGroupArn, Weight: 10 },
          ],
        },
      },
    ]);
    // Act
    const modified = aws(
      'elbv2',
      'modify-rule',
      '--rule-arn',
      tst.ruleArn!,
      '--actions',
      actions,
      '--output',
      'json',
    );
    const read = aws(
      'elbv2',
      'describe-rules',
      '--rule-arns',
      tst.ruleArn!,
      '--query',
      'Rules[0].Actions[0].ForwardConfig.TargetGroups[].Weight',
      '--output',
      'text',
    );
    // Assert
    expect(modified.stderr).toBe('');
    expect(modified.status).toBe(0);
    expect(read).toMatchObject({ status: 0, stdout: '90\t10\n' });
  });

  it('describe-target-health lists the healthy targets of a target group', () => {
    // Act
    const r = aws(
      'elbv2',
      'describe-target-health',
      '--target-group-arn',
      dev.blue.targetGroupArn,
      '--query',
      'TargetHealthDescriptions[].TargetHealth.State',
      '--output',
      'text',
    );
    // Assert
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split(/\s+/)).toEqual(['healthy', 'healthy', 'healthy']);
  });

  it('signs EKS and CloudWatch requests as the sandbox verifies them too', () => {
    // Act
    const eks = aws(
      'eks',
      'describe-cluster',
      '--name',
      'jarvis-dev',
      '--query',
      'cluster.status',
      '--output',
      'text',
    );
    const cw = aws(
      'cloudwatch',
      'get-metric-data',
      '--start-time',
      new Date(Date.now() - 10 * 60_000).toISOString(),
      '--end-time',
      new Date().toISOString(),
      '--metric-data-queries',
      JSON.stringify([
        {
          Id: 'q',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [
                { Name: 'TargetGroup', Value: dev.blue.targetGroupArn.split(':').pop() },
                { Name: 'LoadBalancer', Value: 'app/shop-dev/1a2b3c4d5e6f7a80' },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ]),
      '--query',
      'MetricDataResults[0].Id',
      '--output',
      'text',
    );
    // Assert
    expect(eks).toMatchObject({ status: 0, stdout: 'ACTIVE\n' });
    expect(cw).toMatchObject({ status: 0, stdout: 'q\n' });
  });

  it('answers a malformed ARN with ValidationError', () => {
    // Act
    const r = aws('elbv2', 'describe-rules', '--listener-arn', 'listener/app/shop-dev');
    // Assert
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('(ValidationError)');
  });

  it('refuses a wrong secret key with SignatureDoesNotMatch', () => {
    // Act
    const r = run(
      'aws',
      [...(endpoint ??= endpointArgs()), 'elbv2', 'describe-rules', '--listener-arn', dev.listenerArn!],
      {
        ...env,
        AWS_SECRET_ACCESS_KEY: 'not-the-sandbox-secret',
      },
    );
    // Assert
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('(SignatureDoesNotMatch)');
  });
});
