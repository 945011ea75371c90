import { AwsApiError } from './errors.js';

/** The ELBv2 resource kinds whose ARNs the sandbox checks, with how AWS names them in messages. */
export type ElbArnKind = 'LoadBalancer' | 'Listener' | 'Rule' | 'TargetGroup';

const PREFIX = String.raw`^arn:aws(?:-[a-z]+)*:elasticloadbalancing:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:`;
const LB = String.raw`(?:app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{1,16}`;
const ID = '[0-9a-f]{1,16}';
const SHAPES: Record<ElbArnKind, { re: RegExp; label: string }> = {
  LoadBalancer: { re: new RegExp(`${PREFIX}loadbalancer/${LB}$`), label: 'load balancer' },
  Listener: { re: new RegExp(`${PREFIX}listener/${LB}/${ID}$`), label: 'listener' },
  Rule: { re: new RegExp(`${PREFIX}listener-rule/${LB}/${ID}/${ID}$`), label: 'listener rule' },
  TargetGroup: { re: new RegExp(`${PREFIX}targetgroup/[A-Za-z0-9-]{1,32}/${ID}$`), label: 'target group' },
};

/**
 * Refuses an ARN that is not shaped as an ARN of `kind` with 400 ValidationError, as ELBv2 does before it
 * looks anything up (a well-formed ARN of nothing is `<Kind>NotFound`, a malformed one never is).
 */
export function checkArn(kind: ElbArnKind, arn: string): void {
  const shape = SHAPES[kind];
  if (!shape.re.test(arn))
    throw new AwsApiError('ValidationError', `'${arn}' is not a valid ${shape.label} ARN`);
}
