import { z } from 'zod';
import { PAGERDUTY_ID, PagerDutySchema, SlackSchema } from './schema-channels.js';
import { k8sName } from './schema-names.js';
import { TimeZoneSchema } from './schema-display.js';
import { LinksSchema } from './schema-links.js';
import {
  EvidenceKindSchema,
  EvidenceSettingsSchema,
  ServiceEvidenceSchema,
  requiredEvidenceIssues,
} from './schema-evidence.js';
import { ApprovalsSchema, FreezeWindowSchema, WriteOriginSchema } from './schema-policy.js';

/**
 * The shape of `jarvis.config.yaml`. Every object is strict so that a misspelt key is reported instead of
 * silently ignored; defaults are the documented ones (DESIGN.md, "Blue/green on an ALB"). The channels'
 * sections (Slack, PagerDuty) are in schema-channels.ts.
 */

export {
  ApprovalsSchema,
  FreezeWindowSchema,
  WriteOriginSchema,
  type ApprovalsSettings,
  type FreezeWindow,
} from './schema-policy.js';
export {
  PagerDutySchema,
  SlackSchema,
  type PagerDutySettings,
  type SlackSettings,
} from './schema-channels.js';
export {
  ecrCoordinates,
  type EvidenceKind,
  type EvidenceSettings,
  type ServiceEvidence,
} from './schema-evidence.js';

const ARN_PARTITION = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}';
const TARGET_GROUP_ARN = new RegExp(`^${ARN_PARTITION}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`);
const LISTENER_ARN = new RegExp(
  `^${ARN_PARTITION}:listener/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}$`,
);
const RULE_ARN = new RegExp(
  `^${ARN_PARTITION}:listener-rule/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`,
);

export const ColourSchema = z.enum(['blue', 'green']);
export type Colour = z.infer<typeof ColourSchema>;

const ColourTargetSchema = z
  .object({
    targetGroupArn: z
      .string()
      .regex(
        TARGET_GROUP_ARN,
        'must be a target group ARN, arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>',
      ),
    deployment: k8sName,
  })
  .strict();

export const AnalysisSchema = z
  .object({
    /** Highest acceptable error rate of the new colour, as a fraction (0.01 = 1%). */
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    /** Highest acceptable ratio of the new colour's p99 latency to the stable colour's. */
    maxLatencyRatio: z.number().min(1).default(2),
    /** Requests the new colour must have served in a window before a verdict is given. */
    minRequests: z.number().int().min(0).default(50),
    /** Length of one analysis window, in seconds. */
    intervalSeconds: z.number().positive().default(10),
    /** Failed windows in a row before the rollout is aborted. */
    consecutiveFailures: z.number().int().min(1).default(1),
    /** Windows in a row with too little data before the rollout is aborted for lack of evidence. */
    maxInsufficientWindows: z.number().int().min(1).default(6),
  })
  .strict();
export type AnalysisSettings = z.infer<typeof AnalysisSchema>;

export const RoleSchema = z.enum(['viewer', 'deployer', 'admin']);
/** viewer: read tools only; deployer: writes where an environment's writeRole allows; admin: everything. */
export type Role = z.infer<typeof RoleSchema>;

export const PolicySchema = z
  .object({
    /** The least role that may run write tools here. */
    writeRole: RoleSchema.default('deployer'),
    requireMfa: z.boolean().default(false),
    /** How long a verified code covers further writes by the same person here; 0 means every write asks. */
    mfaTtlSeconds: z.number().int().min(0).max(3600).default(0),
    /** One approval by anyone allowed to write here; shorthand for `approvals: { required: 1 }`. */
    requireApproval: z.boolean().default(false),
    /** How many people must approve a write here, and who may (see ApprovalsSchema). */
    approvals: ApprovalsSchema.optional(),
    /** Deploys must name a version that succeeded in the previous environment of the promotion order. */
    requirePreviousEnvSuccess: z.boolean().default(false),
    /** A change freeze: write tools are refused with this reason while it is set. */
    freeze: z.string().min(1).optional(),
    /** Change freezes by date range or weekly window; writes are refused while one is in force. */
    freezes: z.array(FreezeWindowSchema).default([]),
    /**
     * Where a write here may be asked from: `terminal` (the REPL and `jarvis ask`), `slack` (any channel
     * in `slack.channels`), `dm` (a direct message), or one Slack channel by name (`#jarvis-ci`) or id.
     * Default: everywhere Jarvis listens, except direct messages for the last environment of the
     * promotion order (production).
     */
    writeFrom: z.array(WriteOriginSchema).min(1).optional(),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;

const IngressSchema = z
  .object({
    /** The Ingress whose `alb.ingress.kubernetes.io/actions.<action>` annotation holds the weights. */
    name: k8sName,
    action: z.string().regex(/^[A-Za-z0-9-_.]+$/, 'must be the action name used in the annotation key'),
  })
  .strict();

export const ServiceSchema = z
  .object({
    /** `direct`: Jarvis writes the ALB itself; `ingress`: the AWS Load Balancer Controller owns it. */
    mode: z.enum(['direct', 'ingress']).default('direct'),
    listenerArn: z
      .string()
      .regex(
        LISTENER_ARN,
        'must be a listener ARN, arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb>/<id>/<id>',
      )
      .optional(),
    ruleArn: z
      .string()
      .regex(
        RULE_ARN,
        'must be a listener rule ARN, arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb>/<id>/<id>/<id>',
      )
      .optional(),
    ingress: IngressSchema.optional(),
    blue: ColourTargetSchema,
    green: ColourTargetSchema,
    container: k8sName,
    imageRepository: z
      .string()
      .min(1)
      .regex(/^[^\s:@]+$/, 'must be an image repository without tag or digest'),
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .default([10, 25, 50, 100])
      .refine(
        (s) => s.every((v, i) => i === 0 || v > (s[i - 1] ?? 0)),
        'must be strictly increasing, e.g. [10, 25, 50, 100]',
      )
      .refine((s) => s[s.length - 1] === 100, 'must end at 100 so the new colour takes all traffic'),
    /** Seconds each step is analysed before the next one. */
    bakeSeconds: z.number().min(0).default(60),
    /** Seconds held at 100% before the release is final. */
    verifySeconds: z.number().min(0).default(120),
    /** Seconds allowed for the idle Deployment to roll out and its targets to turn healthy. */
    prepareTimeoutSeconds: z.number().positive().default(600),
    /**
     * Restarts of a new pod after which a crash loop (or OOM kill) during prepare is taken as certain and
     * the wait ends early with its cause, instead of running out the prepare timeout.
     */
    prepareCrashLoopRestarts: z.number().int().min(1).default(3),
    analysis: AnalysisSchema.default(AnalysisSchema.parse({})),
    /** Overrides of the environment's policy for this service. */
    policy: PolicySchema.partial().optional(),
    /** Where this service's release evidence is (ECR image and scan, CI checks). */
    evidence: ServiceEvidenceSchema.default({}),
  })
  .strict()
  .superRefine((svc, ctx) => {
    if (!svc.listenerArn === !svc.ruleArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['ruleArn'],
        message:
          'give exactly one of listenerArn (weights on the default action) or ruleArn (weights on a rule)',
      });
    }
    if (svc.mode === 'ingress' && !svc.ingress) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingress'],
        message: 'mode "ingress" needs ingress: { name, action }',
      });
    }
    if (svc.blue.targetGroupArn === svc.green.targetGroupArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['green', 'targetGroupArn'],
        message: 'blue and green need different target groups',
      });
    }
    if (svc.blue.deployment === svc.green.deployment) {
      ctx.addIssue({
        code: 'custom',
        path: ['green', 'deployment'],
        message: 'blue and green need different Deployments',
      });
    }
  });
export type ServiceConfig = z.infer<typeof ServiceSchema>;

export const EnvironmentSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    cluster: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name'),
    namespace: k8sName,
    policy: PolicySchema.default(PolicySchema.parse({})),
    services: z
      .record(k8sName, ServiceSchema)
      .refine((s) => Object.keys(s).length > 0, 'list at least one service'),
    /** Evidence every release here needs before it starts: `ecr` (image and scan), `ci` (checks). */
    requireEvidence: z.array(EvidenceKindSchema).default([]),
  })
  .strict()
  .superRefine(requiredEvidenceIssues);
export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;

const DEFAULT_SELECTOR = 'env="{{env}}",service="{{service}}",colour="{{colour}}"';

export const MetricsSchema = z
  .object({
    /**
     * `cloudwatch`: the ALB's CloudWatch metrics (the default against AWS); `prometheus`: a
     * Prometheus-compatible HTTP API; `sandbox`: the sandbox's simulated traffic (the default on the
     * sandbox, refused against AWS).
     */
    provider: z.enum(['sandbox', 'prometheus', 'cloudwatch']).optional(),
    cloudwatch: z
      .object({
        /** Period of the datapoints: 60 (ALB's standard resolution), or 1, 5, 10, 30 where published. */
        periodSeconds: z
          .number()
          .int()
          .refine(
            (p) => [1, 5, 10, 30].includes(p) || (p > 0 && p % 60 === 0),
            'must be 1, 5, 10, 30 or a multiple of 60',
          )
          .default(60),
        /** How long after a period ends CloudWatch has published it; windows end that long ago. */
        publicationDelaySeconds: z.number().int().min(0).max(900).default(120),
      })
      .strict()
      .optional(),
    prometheus: z
      .object({
        url: z.url(),
        /**
         * PromQL templates; {{env}}, {{service}}, {{colour}}, {{targetGroup}} and {{window}} (e.g. 30s) are
         * filled in per query. Each must return a single sample.
         */
        queries: z
          .object({
            requests: z
              .string()
              .default(`sum(increase(http_requests_total{${DEFAULT_SELECTOR}}[{{window}}]))`),
            errors: z
              .string()
              .default(`sum(increase(http_requests_total{${DEFAULT_SELECTOR},code=~"5.."}[{{window}}]))`),
            p99Seconds: z
              .string()
              .default(
                `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${DEFAULT_SELECTOR}}[{{window}}])))`,
              ),
          })
          .strict()
          .default({
            requests: `sum(increase(http_requests_total{${DEFAULT_SELECTOR}}[{{window}}]))`,
            errors: `sum(increase(http_requests_total{${DEFAULT_SELECTOR},code=~"5.."}[{{window}}]))`,
            p99Seconds: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${DEFAULT_SELECTOR}}[{{window}}])))`,
          }),
        timeoutMs: z.number().int().positive().default(5000),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.provider === 'prometheus' && !m.prometheus) {
      ctx.addIssue({
        code: 'custom',
        path: ['prometheus'],
        message: 'provider "prometheus" needs prometheus: { url }',
      });
    }
  });
export type MetricsSettings = z.infer<typeof MetricsSchema>;

export const AccessSchema = z
  .object({
    /** Role of anyone not listed in `users` (REPL users by login name, Slack users by id). */
    defaultRole: RoleSchema.default('viewer'),
    /** Roles by actor id: Slack user ids (U0123ABCD), never display names; REPL login names. */
    users: z.record(z.string().min(1), RoleSchema).default({}),
    /** Named groups of actor ids, for `approvals.from` (e.g. `release-managers: [U0123ABCD, U0456EFGH]`). */
    groups: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
  })
  .strict();
export type AccessSettings = z.infer<typeof AccessSchema>;

export const AgentSchema = z
  .object({
    /** Most planner rounds in one turn before the loop stops and says so. */
    maxIterations: z.number().int().min(1).max(50).default(8),
    /**
     * Seconds the language model may take over one turn, its rounds together (tool runs do not count);
     * past them the loop stops asking it and the offline planner answers, with a notice.
     */
    turnSeconds: z.number().min(0.1).max(3600).default(90),
    /** Most tokens the model may write per round. */
    maxTokens: z.number().int().min(256).max(64_000).default(2048),
    /** Messages of history kept per conversation (thread, REPL session). */
    historyMessages: z.number().int().min(2).max(200).default(40),
    /**
     * Ceiling in bytes of one tool result handed to the model; a larger result is summarised into valid
     * JSON (lists shortened, most severe first; long texts cut), never cut mid-structure.
     */
    toolResultBytes: z.number().int().min(1024).max(65_536).default(8192),
    /** The configured model's context window in tokens (200 000 for the current Claude models). */
    contextWindowTokens: z.number().int().min(8_000).max(2_000_000).default(200_000),
    /** Share of the context window one tool result may take, up to the ceiling `toolResultBytes`. */
    toolResultShare: z.number().min(0.001).max(0.5).default(0.02),
  })
  .strict();
export type AgentSettings = z.infer<typeof AgentSchema>;

export const MfaSchema = z
  .object({
    /** TOTP time steps accepted before the current one: 1 lets a code read just before it rolled over pass. */
    pastSteps: z.number().int().min(0).max(2).default(1),
    /** Time steps accepted after the current one (a phone whose clock runs ahead); default none. */
    futureSteps: z.number().int().min(0).max(1).default(0),
  })
  .strict();
export type MfaSettings = z.infer<typeof MfaSchema>;

export const ReconcilerSchema = z
  .object({
    /**
     * Seconds of real time between two passes of the reconcile loop of a long-running process (adopt
     * orphaned rollouts, retry failed recoveries, report drift).
     */
    intervalSeconds: z.number().min(0.1).max(3600).default(5),
  })
  .strict();
export type ReconcilerSettings = z.infer<typeof ReconcilerSchema>;

export const ConfigSchema = z
  .object({
    access: AccessSchema.default({ defaultRole: 'viewer', users: {}, groups: {} }),
    agent: AgentSchema.default(AgentSchema.parse({})),
    reconciler: ReconcilerSchema.default({ intervalSeconds: 5 }),
    mfa: MfaSchema.default({ pastSteps: 1, futureSteps: 0 }),
    metrics: MetricsSchema.default({}),
    slack: SlackSchema.default(SlackSchema.parse({})),
    /** The service meant when a request names none ("deploy 1.3.0 to prd"). */
    defaultService: k8sName.optional(),
    /** Environments in promotion order unless `promotionOrder` says otherwise. */
    environments: z
      .record(k8sName, EnvironmentSchema)
      .refine((e) => Object.keys(e).length > 0, 'list at least one environment'),
    promotionOrder: z.array(k8sName).optional(),
    /** Named groups of services, for "emergency rollback backend in prd": `{ backend: [checkout, catalog] }`. */
    groups: z.record(k8sName, z.array(k8sName).min(1)).default({}),
    /** PagerDuty-triggered diagnoses: which service of which environment an incident is about. */
    pagerduty: PagerDutySchema.default({ services: {}, maxEventAgeSeconds: 600 }),
    /** The time zone dates are shown in (history, metrics). */
    timeZone: TimeZoneSchema,
    /** Links in release outcomes (dashboard, logs, the ALB in the console), as URL templates. */
    links: LinksSchema.default(LinksSchema.parse({})),
    /** How the evidence providers are reached. */
    evidence: EvidenceSettingsSchema.default(EvidenceSettingsSchema.parse({})),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const [id, target] of Object.entries(cfg.pagerduty.services)) {
      const env = cfg.environments[target.env];
      if (!PAGERDUTY_ID.test(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['pagerduty', 'services', id],
          message: 'must be a PagerDuty service id such as PF9KMXH (as in the service’s URL)',
        });
      } else if (!env) {
        ctx.addIssue({
          code: 'custom',
          path: ['pagerduty', 'services', id, 'env'],
          message: `unknown environment "${target.env}"; known: ${Object.keys(cfg.environments).join(', ')}`,
        });
      } else if (!(target.service in env.services)) {
        ctx.addIssue({
          code: 'custom',
          path: ['pagerduty', 'services', id, 'service'],
          message: `${target.env} has no service "${target.service}"; it has ${Object.keys(env.services).join(', ')}`,
        });
      }
    }
    const names = Object.keys(cfg.environments);
    if (
      cfg.defaultService &&
      !Object.values(cfg.environments).some((e) => cfg.defaultService! in e.services)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultService'],
        message: `no environment has a service "${cfg.defaultService}"`,
      });
    }
    const services = new Set(Object.values(cfg.environments).flatMap((e) => Object.keys(e.services)));
    for (const [group, members] of Object.entries(cfg.groups)) {
      if (names.includes(group) || services.has(group)) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', group],
          message: `"${group}" is already the name of an environment or a service; give the group another name`,
        });
      }
      for (const [i, member] of members.entries()) {
        if (!services.has(member)) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', group, i],
            message: `no environment has a service "${member}"; known: ${[...services].join(', ')}`,
          });
        }
      }
    }
    for (const [i, env] of (cfg.promotionOrder ?? []).entries()) {
      if (!names.includes(env)) {
        ctx.addIssue({
          code: 'custom',
          path: ['promotionOrder', i],
          message: `unknown environment "${env}"; known: ${names.join(', ')}`,
        });
      }
    }
  });
export type JarvisConfig = z.infer<typeof ConfigSchema>;
