import type { Deployment, JournalEntry } from '../../store/store.js';
import { record } from '../text.js';
import type { Facts } from './types.js';

/** How far back a release counts as a likely cause. */
export const RELEASE_HORIZON_MS = 2 * 60 * 60 * 1000;

export const ago = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
};

/** The newest deployment of the service that ran within the horizon, if any. */
export function recentRelease(facts: Facts): Deployment | undefined {
  const d = facts.history.running ?? facts.history.recent?.[0];
  if (!d) return undefined;
  const last = d.endedAt ?? facts.now;
  return facts.now - last <= RELEASE_HORIZON_MS ? d : undefined;
}

/** `the shift to 25 %`, `the switch to blue`: what a journal entry did to traffic, if anything. */
export function trafficChange(entry: JournalEntry): string | undefined {
  const to = record(entry.data.to);
  if (entry.state === 'shift' && typeof entry.data.step === 'number')
    return `the shift to ${entry.data.step} %`;
  if (entry.state === 'verify') return `the shift to 100 %`;
  if ((entry.state === 'switch' || entry.state === 'abort' || entry.state === 'recover') && to) {
    const colour = Object.entries(to).find(([, w]) => w === 100)?.[0];
    return colour ? `the ${entry.state === 'switch' ? 'switch' : 'move back'} to ${colour}` : undefined;
  }
  return undefined;
}

/**
 * The incident lined up with releases, in one sentence: "No release of checkout in the last 2 h; the
 * cause is probably not a deploy", or the newest deployment with its last traffic change and how long
 * before this diagnosis it happened: "The last traffic change was the shift to 25 % of checkout 1.3.0
 * (deployment #12, running), 90 s before this diagnosis". Undefined when the store could not be read.
 */
export function timelineOf(facts: Facts): string | undefined {
  if (facts.history.recent === undefined) return undefined;
  const d = recentRelease(facts);
  if (!d) {
    return `No release of ${facts.service} in ${facts.env} in the last 2 h; the cause is probably not a deploy.`;
  }
  const what = `${facts.service} ${d.version} (deployment #${d.id}, ${d.strategy} to ${d.colour} by ${d.actor}, ${d.status}${d.reason ? `: ${d.reason}` : ''})`;
  const change = [...facts.history.journal]
    .reverse()
    .map((e) => ({ e, text: trafficChange(e) }))
    .find((x) => x.text !== undefined);
  if (change) {
    return `The last traffic change was ${change.text} of ${what}, ${ago(facts.now - change.e.at)} before this diagnosis.`;
  }
  return d.status === 'RUNNING'
    ? `A release is preparing: ${what}, started ${ago(facts.now - d.startedAt)} ago; no traffic moved yet.`
    : `The last release was ${what}, ended ${ago(facts.now - (d.endedAt ?? d.startedAt))} ago without moving traffic.`;
}
