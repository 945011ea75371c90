import type { CallRecord } from '../../agent/loop.js';
import { renderCall, renderCallNarrow } from '../../agent/render-call.js';
import { environmentOf, serviceOf, type LoadedConfig } from '../../config.js';
import { linksFor, type Link } from '../../config/links.js';
import { record, records } from '../../tools/text.js';
import type { Tool } from '../../tools/tool.js';
import { SLACK_COLUMNS } from './answer-view.js';
import { escapeMrkdwn } from './views.js';

/** A release a turn made, from a tool's output: where, and whether it ended back on the earlier version. */
interface Release {
  env: string;
  service: string;
  version: string | undefined;
  colour: string | undefined;
  /** Rolled back, aborted, or a rollback: what went wrong is worth a look. */
  reverted: boolean;
  /** The colour that holds the version given up (its logs say why); undefined when not known. */
  abandoned: string | undefined;
}

/** Most context lines under an answer (Slack allows 50 blocks in all). */
const MAX_FOOTER = 10;

/**
 * The turn's text with each call's rendering (as {@link renderCall} put it there) replaced by its
 * narrow form for a Slack message ({@link renderCallNarrow}): tables that fit {@link SLACK_COLUMNS}.
 * Text the model wrote is left as it is.
 */
export function fitResults(
  text: string,
  calls: readonly CallRecord[],
  tools: ReadonlyMap<string, Tool>,
): string {
  let out = text;
  for (const call of calls) {
    const tool = tools.get(call.tool);
    const wide = renderCall(call, tool);
    const narrow = renderCallNarrow(call, tool, SLACK_COLUMNS);
    if (wide !== narrow) out = out.split(wide).join(narrow);
  }
  return out;
}

/**
 * The context lines under a turn's outcome (mrkdwn, escaped): per release it made, its configured links
 * (dashboard, logs, the ALB in the console); after a rollback or an abort, where to look next. Empty for
 * a turn that released nothing.
 */
export function outcomeFooter(config: LoadedConfig, calls: readonly CallRecord[]): string[] {
  const releases = releasesOf(calls);
  const lines: string[] = [];
  for (const r of releases) {
    let links: Link[] = [];
    try {
      links = linksFor(config, r.env, r.service, { version: r.version, colour: r.colour });
    } catch {
      // An environment or service the configuration does not know (an old record): no links.
    }
    if (links.length === 0) continue;
    const where = `*${escapeMrkdwn(r.service)}* in ${escapeMrkdwn(r.env)}`;
    lines.push(`:link: ${where}: ${links.map(linkText).join(' · ')}`);
  }
  const reverted = releases.filter((r) => r.reverted);
  if (reverted.length === 1) lines.push(nextLine(config, reverted[0]!));
  else {
    for (const env of new Set(reverted.map((r) => r.env))) {
      lines.push(`:mag: Next: find out why with \`diagnose ${escapeMrkdwn(env)}\`.`);
    }
  }
  return lines.slice(0, MAX_FOOTER);
}

/** A link as Slack mrkdwn, its URL escaped so that it cannot end the link early. */
function linkText(link: Link): string {
  const url = link.url.replace(/\|/g, '%7C');
  return `<${escapeMrkdwn(url)}|${link.label}>`;
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
        reverted: rollback || undone,
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
        reverted: s.outcome !== 'skipped',
        abandoned: undefined,
      });
    }
  }
  return [...found.values()];
}

function other(colour: string | undefined): string | undefined {
  return colour === 'blue' ? 'green' : colour === 'green' ? 'blue' : undefined;
}
