import type { CallRecord } from '../../agent/loop.js';
import { renderCall, renderCallNarrow } from '../../agent/render-call.js';
import { environmentOf, serviceOf, type LoadedConfig } from '../../config.js';
import { linksFor, type Link } from '../../config/links.js';
import { record, records } from '../../tools/text.js';
import type { Tool } from '../../tools/tool.js';
import { SLACK_COLUMNS } from './answer-view.js';
import { escapeMrkdwn } from './views.js';

/** A release a turn made, from a tool's output: where, its links, and what to look at after it. */
interface Release {
  env: string;
  service: string;
  version: string | undefined;
  colour: string | undefined;
  /** The links the tool returned with its result; undefined: none came, they are made from config. */
  links: Link[] | undefined;
  /** Rolled back, aborted, or a rollback, with no post-rollback actions in the result: say where to look. */
  lookNext: boolean;
  /** The colour that holds the version given up (its logs say why); undefined when not known. */
  abandoned: string | undefined;
}

/** Most context lines under an answer (Slack allows 50 blocks in all). */
const MAX_FOOTER = 10;

/**
 * The turn's text with each call's rendering (as {@link renderCall} put it there) replaced by its Slack
 * form: through {@link renderCallNarrow}, so that tables fit {@link SLACK_COLUMNS}, and without the link
 * lines of a rollout result, which {@link outcomeFooter} shows as Slack links instead (the dashboard of
 * post-rollback actions stays where they name it). Text the model wrote is left as it is.
 */
export function slackResults(
  text: string,
  calls: readonly CallRecord[],
  tools: ReadonlyMap<string, Tool>,
): string {
  let out = text;
  for (const call of calls) {
    const tool = tools.get(call.tool);
    const wide = renderCall(call, tool);
    const slack = renderCallNarrow(withoutLinkLines(call), tool, SLACK_COLUMNS);
    if (wide !== slack) out = out.split(wide).join(slack);
  }
  return out;
}

/**
 * The context lines under a turn's outcome (mrkdwn, escaped): per release it made, its links (dashboard,
 * logs, the ALB in the console: those the tool returned, else the configured ones); after a rollback or
 * an abort whose result names no post-rollback actions, where to look next. Empty for a turn that
 * released nothing.
 */
export function outcomeFooter(config: LoadedConfig, calls: readonly CallRecord[]): string[] {
  const releases = releasesOf(calls);
  const lines: string[] = [];
  for (const r of releases) {
    let links = r.links ?? [];
    if (!r.links) {
      try {
        links = linksFor(config, r.env, r.service, { version: r.version, colour: r.colour });
      } catch {
        // An environment or service the configuration does not know (an old record): no links.
      }
    }
    if (links.length === 0) continue;
    const where = `*${escapeMrkdwn(r.service)}* in ${escapeMrkdwn(r.env)}`;
    lines.push(`:link: ${where}: ${links.map(linkText).join(' · ')}`);
  }
  const next = releases.filter((r) => r.lookNext);
  if (next.length === 1) lines.push(nextLine(config, next[0]!));
  else {
    for (const env of new Set(next.map((r) => r.env))) {
      lines.push(`:mag: Next: find out why with \`diagnose ${escapeMrkdwn(env)}\`.`);
    }
  }
  return lines.slice(0, MAX_FOOTER);
}

/** A rollout result's call without the links its rendering would list as text (see slackResults). */
function withoutLinkLines(call: CallRecord): CallRecord {
  const o = record(call.output);
  if (!o || !Array.isArray(o.links)) return call;
  const keep = record(o.afterRollback) ? records(o.links).filter((l) => l.label === 'Dashboard') : [];
  return { ...call, output: { ...o, links: keep } };
}

/** A link as Slack mrkdwn, its URL escaped so that it cannot end the link early. */
function linkText(link: Link): string {
  const url = link.url.replace(/\|/g, '%7C');
  return `<${escapeMrkdwn(url)}|${escapeMrkdwn(link.label)}>`;
}

/** Where to look after one rollback: the diagnosis, and the logs of the colour given up. */
function nextLine(config: LoadedConfig, r: Release): string {
  const diagnose = `\`diagnose ${escapeMrkdwn(r.service)} in ${escapeMrkdwn(r.env)}\``;
  let logs = '';
  try {
    const service = serviceOf(config, r.env, r.service);
    const colour = r.abandoned === 'blue' || r.abandoned === 'green' ? service[r.abandoned] : undefined;
    if (colour) {
      const ns = environmentOf(config, r.env).namespace;
      logs = `; its logs: \`kubectl -n ${escapeMrkdwn(ns)} logs deploy/${escapeMrkdwn(colour.deployment)}\``;
    }
  } catch {
    // Not configured (any more): the diagnosis alone.
  }
  return `:mag: Next: find out why with ${diagnose}${logs}.`;
}

/** The links of a result, when it carries a well-formed list of them. */
function linksOf(value: unknown): Link[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const links = records(value).filter(
    (l): l is Record<string, unknown> & Link =>
      (l.label === 'Dashboard' || l.label === 'Logs' || l.label === 'ALB') && typeof l.url === 'string',
  );
  return links.map((l) => ({ label: l.label, url: l.url }));
}

/** The releases the calls of a turn made, one per environment and service (the last one counts). */
function releasesOf(calls: readonly CallRecord[]): Release[] {
  const found = new Map<string, Release>();
  const add = (r: Release): void => {
    found.delete(`${r.env}/${r.service}`);
    found.set(`${r.env}/${r.service}`, r);
  };
  for (const call of calls) {
    const o = record(call.output);
    if (!o || typeof o.env !== 'string') continue;
    const env = o.env;
    if (typeof o.service === 'string' && typeof o.deploymentId === 'number') {
      // A rollout's result (deploy, promote, rollback).
      const rollback = o.strategy === 'rollback';
      const undone = o.status === 'ROLLED_BACK' || o.status === 'ABORTED';
      const colour = typeof o.colour === 'string' ? o.colour : undefined;
      add({
        env,
        service: o.service,
        version: typeof o.version === 'string' ? o.version : undefined,
        colour,
        links: linksOf(o.links),
        lookNext: (rollback || undone) && !record(o.afterRollback),
        abandoned: undone ? colour : rollback ? other(colour) : undefined,
      });
      continue;
    }
    // An emergency rollback: one outcome per service.
    for (const s of records(o.services)) {
      if (typeof s.service !== 'string' || typeof s.outcome !== 'string') continue;
      add({
        env,
        service: s.service,
        version: typeof s.version === 'string' ? s.version : undefined,
        colour: undefined,
        links: linksOf(s.links),
        lookNext: s.outcome !== 'skipped',
        abandoned: undefined,
      });
    }
  }
  return [...found.values()];
}

function other(colour: string | undefined): string | undefined {
  return colour === 'blue' ? 'green' : colour === 'green' ? 'blue' : undefined;
}
