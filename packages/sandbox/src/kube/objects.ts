import { newUid, ts } from './meta.js';
import { badRequest, invalid, type StatusCause } from './status.js';
import type { Deployment, Ingress, ObjectMeta } from './types.js';

/** A Deployment to create at start-up: one colour of one service. */
export interface DeploymentSeed {
  name: string;
  app: string;
  colour: 'blue' | 'green';
  container: string;
  image: string;
  replicas: number;
}

/** An Ingress to create at start-up, with the annotations that carry weights. */
export interface IngressSeed {
  name: string;
  annotations: Record<string, string>;
  host: string;
  action: string;
}

/** A Deployment as `kubectl apply` of a typical manifest leaves it, defaults filled in by the API server. */
export function buildDeployment(namespace: string, seed: DeploymentSeed, at: number, rv: string): Deployment {
  const labels = { app: seed.app, colour: seed.colour };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: seed.name,
      namespace,
      uid: newUid(),
      resourceVersion: rv,
      generation: 1,
      creationTimestamp: ts(at),
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'jarvis' },
      annotations: {},
    },
    spec: {
      replicas: seed.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: seed.container,
              image: seed.image,
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              readinessProbe: {
                httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
                initialDelaySeconds: 5,
                periodSeconds: 10,
                timeoutSeconds: 1,
                successThreshold: 1,
                failureThreshold: 3,
              },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
}

/** An Ingress of the AWS Load Balancer Controller routing `host` to the named action. */
export function buildIngress(namespace: string, seed: IngressSeed, at: number, rv: string): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: seed.name,
      namespace,
      uid: newUid(),
      resourceVersion: rv,
      generation: 1,
      creationTimestamp: ts(at),
      annotations: { ...seed.annotations },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: seed.host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: seed.action, port: { name: 'use-annotation' } } },
              },
            ],
          },
        },
      ],
    },
    status: {
      loadBalancer: { ingress: [{ hostname: `k8s-${namespace}-${seed.name}-0123456789.elb.amazonaws.com` }] },
    },
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks what every object's metadata must satisfy after a write: same identity as the stored object,
 * string-valued labels and annotations. Throws 400 or 422 KubeApiErrors.
 */
export function checkMetadata(kind: string, current: ObjectMeta, next: unknown): void {
  const meta = (next as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) throw badRequest('Object has no metadata');
  const m = meta as Record<string, unknown>;
  if (m.name !== current.name) {
    throw badRequest(
      `the name of the object (${String(m.name)}) does not match the name on the URL (${current.name})`,
    );
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = m[field];
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Object.values(map).some((v) => typeof v !== 'string')) {
      throw badRequest(
        `json: cannot unmarshal into Go struct field ObjectMeta.metadata.${field} of type string`,
      );
    }
  }
  const causes: StatusCause[] = [];
  if (m.uid !== undefined && m.uid !== current.uid) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(m.uid)}: field is immutable`,
      field: 'metadata.uid',
    });
  }
  if (causes.length > 0) throw invalid(kind, current.name, causes);
}

/** Validates a Deployment after a patch, as the API server's validation does; throws 422 Invalid. */
export function validateDeployment(current: Deployment, next: Deployment): void {
  checkMetadata('Deployment', current.metadata, next);
  const causes: StatusCause[] = [];
  const add = (field: string, reason: string, message: string): void =>
    void causes.push({ field, reason, message });
  const spec = (next.spec ?? {}) as Partial<Deployment['spec']>;
  const replicas = spec.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
    add(
      'spec.replicas',
      'FieldValueInvalid',
      `Invalid value: ${JSON.stringify(replicas)}: must be an integer`,
    );
  } else if (replicas < 0) {
    add(
      'spec.replicas',
      'FieldValueInvalid',
      `Invalid value: ${replicas}: must be greater than or equal to 0`,
    );
  }
  if (JSON.stringify(spec.selector) !== JSON.stringify(current.spec.selector)) {
    add(
      'spec.selector',
      'FieldValueInvalid',
      `Invalid value: ${JSON.stringify(spec.selector)}: field is immutable`,
    );
  }
  const labels = spec.template?.metadata?.labels ?? {};
  const wanted = current.spec.selector.matchLabels;
  if (Object.entries(wanted).some(([k, v]) => labels[k] !== v)) {
    add(
      'spec.template.metadata.labels',
      'FieldValueInvalid',
      `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
    );
  }
  const containers = spec.template?.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    add('spec.template.spec.containers', 'FieldValueRequired', 'Required value');
  } else {
    const seen = new Set<string>();
    containers.forEach((c, i) => {
      const at = `spec.template.spec.containers[${i}]`;
      if (typeof c?.name !== 'string' || c.name === '')
        add(`${at}.name`, 'FieldValueRequired', 'Required value');
      else if (!DNS_LABEL.test(c.name))
        add(
          `${at}.name`,
          'FieldValueInvalid',
          `Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
        );
      else if (seen.has(c.name)) add(`${at}.name`, 'FieldValueDuplicate', `Duplicate value: "${c.name}"`);
      else seen.add(c.name);
      if (typeof c?.image !== 'string' || c.image.trim() === '')
        add(`${at}.image`, 'FieldValueRequired', 'Required value');
    });
  }
  const deadline = spec.progressDeadlineSeconds;
  if (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline <= 0) {
    add(
      'spec.progressDeadlineSeconds',
      'FieldValueInvalid',
      `Invalid value: ${JSON.stringify(deadline)}: must be greater than 0`,
    );
  }
  const strategy = spec.strategy?.type;
  if (strategy !== 'RollingUpdate' && strategy !== 'Recreate') {
    add(
      'spec.strategy.type',
      'FieldValueNotSupported',
      `Unsupported value: ${JSON.stringify(strategy)}: supported values: "Recreate", "RollingUpdate"`,
    );
  }
  if (causes.length > 0) throw invalid('Deployment', current.metadata.name, causes);
}
