import { environmentOf, serviceOf, type LoadedConfig } from '../config.js';
import { fillTemplate } from './schema-links.js';

export interface Link {
  label: 'Dashboard' | 'Logs' | 'ALB';
  url: string;
}

/** The load balancer's ARN from a listener or rule ARN of it. */
function loadBalancerArn(arn: string | undefined): string | undefined {
  const m =
    /^(arn:aws[\w-]*:elasticloadbalancing:[^:]+:\d{12}:)(?:listener|listener-rule)\/(app\/[^/]+\/[^/]+)\//.exec(
      arn ?? '',
    );
  return m ? `${m[1]}loadbalancer/${m[2]}` : undefined;
}

/**
 * The configured links for one service of one environment (and, where known, the version and colour a
 * release is about), in a fixed order; a template with a value it cannot have (the ALB of a service
 * whose weights an Ingress holds) is left out rather than shown broken.
 */
export function linksFor(
  config: LoadedConfig,
  env: string,
  service: string,
  release: { version?: string | undefined; colour?: string | undefined } = {},
): Link[] {
  const environment = environmentOf(config, env);
  const svc = serviceOf(config, env, service);
  const values = {
    env,
    service,
    namespace: environment.namespace,
    region: environment.region,
    cluster: environment.cluster,
    loadBalancerArn: loadBalancerArn(svc.listenerArn ?? svc.ruleArn),
    version: release.version,
    colour: release.colour,
  };
  const links: Link[] = [];
  const add = (label: Link['label'], template: string | undefined) => {
    const url = template && fillTemplate(template, values);
    if (url) links.push({ label, url });
  };
  add('Dashboard', config.links.dashboard);
  add('Logs', config.links.logs);
  add('ALB', config.links.alb);
  return links;
}
