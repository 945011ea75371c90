import { isJarvisError, messageOf } from '../../errors.js';
import { otherColour } from '../../platform/types.js';
import { rollbackTarget } from '../../rollout/release-state.js';
import { recentRelease } from './timeline.js';
import type { ColourFacts, Facts } from './types.js';

/** What Jarvis itself can do about a failing colour: the command people type, and what it would do. */
export interface Remedy {
  /** Sentence ending the next step ("Roll back: `rollback prd` switches all traffic to blue (1.2.0)."). */
  step: string;
  /** Jarvis's command, when one fits; undefined when the fix is not Jarvis's to make. */
  jarvis?: string;
}

/** `prd`, or `prd payments` when the service is not the environment's default: how commands name it. */
export function commandTarget(facts: Facts): string {
  return facts.defaultService ? facts.env : `${facts.env} ${facts.service}`;
}

/**
 * What `rollback <env>` would do now, from the recorded release state and verdicts (the same rule the
 * rollback itself applies): switch to the known-good standby, re-prepare a known-good version first, or
 * refuse. Undefined when no release state is recorded (Jarvis never finished a rollout here).
 */
export function rollbackOutlook(
  facts: Facts,
): { ok: true; text: string } | { ok: false; text: string } | undefined {
  const state = facts.history.release;
  if (!state) return undefined;
  const cmd = `\`rollback ${commandTarget(facts)}\``;
  try {
    const t = rollbackTarget(state, facts.history.verdicts);
    return t.prepare
      ? { ok: true, text: `${cmd} would re-prepare ${t.version} on ${t.colour} first, then switch to it` }
      : { ok: true, text: `${cmd} switches all traffic to ${t.colour} (${t.version}, known good)` };
  } catch (err) {
    if (!isJarvisError(err, 'CONFLICT')) throw err;
    return { ok: false, text: messageOf(err) };
  }
}

/**
 * The remedy for a failing colour, by what it is now. A colour a running rollout is shifting to: abort
 * it. The live colour: roll back, when there is a known-good version to go to. The standby: nothing to
 * undo, since no user reaches it; it is the rollback target, so say what a rollback would do. A colour
 * whose traffic is unknown: check the weights before acting.
 */
export function remedyFor(facts: Facts, c: ColourFacts): Remedy {
  const target = commandTarget(facts);
  const running = facts.history.running;
  if (running && running.colour === c.colour && c.servesTraffic !== false) {
    return {
      step: `Abort the rollout (#${running.id}, ${running.version}): \`abort ${target}\` puts all traffic back on ${otherColour(c.colour)}.`,
      jarvis: `abort ${target}`,
    };
  }
  if (c.servesTraffic === false) {
    const outlook = rollbackOutlook(facts);
    return {
      step: `No user reaches ${c.colour}${running ? '' : ' now'}; fix it before it takes traffic again${outlook ? ` (${outlook.ok ? outlook.text : 'no rollback possible: ' + outlook.text})` : ''}.`,
    };
  }
  if (c.servesTraffic === undefined) {
    return {
      step: `The weights could not be read: check which colour takes traffic before rolling back (\`status ${target}\`).`,
      jarvis: `status ${target}`,
    };
  }
  if (c.role === 'canary') {
    return {
      step: `Traffic is split and no rollout of Jarvis is running: put all traffic back on ${otherColour(c.colour)} with \`rollback ${target}\` once the standby is known good.`,
    };
  }
  if (facts.history.recent !== undefined && !recentRelease(facts)) {
    return {
      step: `No release of ${facts.service} in the last 2 h, so a rollback is unlikely to help: look at what ${c.colour} depends on (database, downstream services, configuration, nodes).`,
    };
  }
  const outlook = rollbackOutlook(facts);
  if (outlook && !outlook.ok) return { step: `Fix forward: ${outlook.text}` };
  return {
    step: outlook
      ? `Roll back: ${outlook.text}.`
      : `Roll back to the last known-good version: \`rollback ${target}\` (Jarvis checks the standby first).`,
    jarvis: `rollback ${target}`,
  };
}

/** A finding's next step: what to look at, then the remedy for the colour, with Jarvis's command first. */
export function nextStep(
  facts: Facts,
  c: ColourFacts,
  look: string,
  command: string,
): { step: string; jarvis?: string; command: string } {
  const remedy = remedyFor(facts, c);
  return {
    step: `${look} ${remedy.step}`,
    ...(remedy.jarvis ? { jarvis: remedy.jarvis } : {}),
    command,
  };
}
