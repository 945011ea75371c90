import { z } from 'zod';

const PLACEHOLDER = /\{\{(\w+)\}\}/g;
export const LINK_PLACEHOLDERS = [
  'env',
  'service',
  'version',
  'colour',
  'namespace',
  'region',
  'cluster',
  'loadBalancerArn',
] as const;

/** An https URL template whose `{{name}}` placeholders are among {@link LINK_PLACEHOLDERS}. */
const Template = z
  .string()
  .refine((t) => /^https:\/\/[^\s]+$/.test(t), 'must be an https:// URL (with {{placeholders}})')
  .superRefine((t, ctx) => {
    for (const [, name] of t.matchAll(PLACEHOLDER)) {
      if (!(LINK_PLACEHOLDERS as readonly string[]).includes(name!)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {{${name}}}; known: ${LINK_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        });
      }
    }
  });

/**
 * Links put in release outcomes and post-rollback actions, as URL templates: the dashboard, the logs and
 * the ALB in the AWS console (which has a default; the other two are shown only when configured).
 */
export const LinksSchema = z
  .object({
    dashboard: Template.optional(),
    logs: Template.optional(),
    alb: Template.default(
      'https://{{region}}.console.aws.amazon.com/ec2/home?region={{region}}#LoadBalancer:loadBalancerArn={{loadBalancerArn}}',
    ),
  })
  .strict();
export type LinksConfig = z.infer<typeof LinksSchema>;

/** `template` with each placeholder replaced by its URL-encoded value; undefined when one has none. */
export function fillTemplate(template: string, values: Partial<Record<string, string>>): string | undefined {
  let missing = false;
  const url = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return encodeURIComponent(value ?? '');
  });
  return missing ? undefined : url;
}
