import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseConfig, SANDBOX_CONFIG_PATH } from '../../src/config.js';
import { linksFor } from '../../src/config/links.js';

/** The sandbox configuration with `links` replaced. */
const withLinks = (links: unknown) => {
  const doc = parseDocument(readFileSync(SANDBOX_CONFIG_PATH, 'utf8'));
  doc.set('links', links);
  return parseConfig(doc.toString(), 'test.yaml');
};

describe('links: URL templates in release outcomes', () => {
  it('fills each template with the URL-encoded names of the release, the ALB from the listener ARN', () => {
    const config = withLinks({
      dashboard: 'https://grafana.example.com/d/rel?var-env={{env}}&var-svc={{service}}&v={{version}}',
      logs: 'https://logs.example.com/{{cluster}}/{{namespace}}?q=colour%3D{{colour}}',
    });
    const links = linksFor(config, 'prd', 'checkout', { version: '1.3.0+b7', colour: 'green' });
    expect(links.map((l) => l.label)).toEqual(['Dashboard', 'Logs', 'ALB']);
    expect(links[0]?.url).toBe('https://grafana.example.com/d/rel?var-env=prd&var-svc=checkout&v=1.3.0%2Bb7');
    expect(links[1]?.url).toBe('https://logs.example.com/jarvis-prd/shop?q=colour%3Dgreen');
    expect(links[2]?.url).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/ec2\/home\?region=eu-west-1#LoadBalancer:loadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A123456789012%3Aloadbalancer%2Fapp%2F/,
    );
  });

  it('leaves out a link it has no value for: no version known', () => {
    const config = withLinks({ dashboard: 'https://grafana.example.com/d/rel?v={{version}}' });
    expect(linksFor(config, 'dev', 'checkout').map((l) => l.label)).toEqual(['ALB']);
    expect(linksFor(config, 'dev', 'checkout', { version: '1.3.0' })[0]).toEqual({
      label: 'Dashboard',
      url: 'https://grafana.example.com/d/rel?v=1.3.0',
    });
  });

  it('refuses a template that is not https or names an unknown placeholder, saying which', () => {
    expect(() => withLinks({ dashboard: 'http://grafana/{{env}}' })).toThrow(/links\.dashboard.*https:\/\//s);
    expect(() => withLinks({ logs: 'https://logs/{{pod}}' })).toThrow(
      /unknown placeholder \{\{pod\}\}; known: \{\{env\}\}/,
    );
  });
});
