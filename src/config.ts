import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import {
  ConfigSchema,
  PolicySchema,
  type EnvironmentConfig,
  type JarvisConfig,
  type Policy,
  type ServiceConfig,
} from './config/schema.js';
import { ConfigError, JarvisError } from './errors.js';
import { INSTALL_DIR } from './install-dir.js';

export * from './config/schema.js';

/** The configuration that ships with the project and matches the sandbox's seeded ALBs and clusters. */
export const SANDBOX_CONFIG_PATH = join(INSTALL_DIR, 'config', 'sandbox.yaml');

/** A validated configuration with the derived facts every layer needs. */
export interface LoadedConfig extends JarvisConfig {
  /** Where it was read from, for messages. */
  source: string;
  /** Environment names in promotion order (dev → tst → prd by default). */
  order: readonly string[];
}

/**
 * Parses and validates configuration text. Every problem is collected, with its path and a fix, and
 * thrown at once as a {@link ConfigError}; nothing is half-loaded.
 */
export function parseConfig(text: string, source: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map(
        (e) => `YAML syntax: ${e.message.split('\n')[0] ?? e.message}. Fix the file's syntax at that line.`,
      ),
      source,
    );
  }
  const result = ConfigSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => describeIssue(issue, doc, lines)),
      source,
    );
  }
  const cfg = result.data;
  const names = Object.keys(cfg.environments);
  return { ...cfg, source, order: cfg.promotionOrder ?? defaultOrder(names) };
}

/** Reads `path` (YAML) and validates it; see {@link parseConfig}. Throws ConfigError when unreadable. */
export function loadConfig(path: string): LoadedConfig {
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
    throw new ConfigError([`${full}: ${reason}. Set JARVIS_CONFIG to the path of jarvis.config.yaml.`], full);
  }
  return parseConfig(text, full);
}

/** dev, tst, prd first in that order when present, then any others in the order written. */
function defaultOrder(names: string[]): string[] {
  const known = ['dev', 'tst', 'prd'].filter((n) => names.includes(n));
  return [...known, ...names.filter((n) => !known.includes(n))];
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  const line = lineOf(doc, lines, issue.path);
  const where = line === undefined ? path : `${path} (line ${line})`;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `${where}: required, missing. Add it (${issue.expected}).`
        : `${where}: expected ${issue.expected}. Change the value to a ${issue.expected}.`;
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}. Remove ${issue.keys.length > 1 ? 'them' : 'it'} or fix the spelling.`;
    case 'invalid_value':
      return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'too_small':
    case 'too_big':
      return `${where}: ${issue.message.replace(/^Too (small|big): /, '')}. Change the value.`;
    default:
      return `${where}: ${issue.message}.`;
  }
}

function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // The deepest node that exists: a missing key is reported at the line of the object that lacks it.
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth).map(String), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      return lines.linePos(Number(node.range[0])).line;
    }
  }
  return undefined;
}

/** The environment named `env`, or a NOT_FOUND error listing the known ones. */
export function environmentOf(cfg: LoadedConfig, env: string): EnvironmentConfig {
  const found = cfg.environments[env];
  if (!found) {
    throw new JarvisError(
      'NOT_FOUND',
      `Unknown environment "${env}". Known environments: ${cfg.order.join(', ')}.`,
      {
        resource: `environment/${env}`,
        options: cfg.order,
      },
    );
  }
  return found;
}

/** The service `name` of environment `env`, or a NOT_FOUND error listing the services there. */
export function serviceOf(cfg: LoadedConfig, env: string, name: string): ServiceConfig {
  const environment = environmentOf(cfg, env);
  const found = environment.services[name];
  if (!found) {
    const known = Object.keys(environment.services);
    throw new JarvisError(
      'NOT_FOUND',
      `Unknown service "${name}" in ${env}. Services there: ${known.join(', ')}.`,
      {
        resource: `${env}/service/${name}`,
        options: known,
      },
    );
  }
  return found;
}

/** The environment's policy with the service's overrides applied. */
export function policyOf(cfg: LoadedConfig, env: string, service: string): Policy {
  const base = environmentOf(cfg, env).policy;
  const override = serviceOf(cfg, env, service).policy ?? {};
  return PolicySchema.parse({ ...base, ...override });
}

/** The environment before `env` in the promotion order, or undefined for the first one. */
export function previousEnvironment(cfg: LoadedConfig, env: string): string | undefined {
  const i = cfg.order.indexOf(env);
  return i > 0 ? cfg.order[i - 1] : undefined;
}
