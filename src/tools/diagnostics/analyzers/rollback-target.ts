import { otherColour } from '../../../platform/types.js';
import { commandTarget, rollbackOutlook } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

/**
 * The standby colour is the instant rollback: when the release state says the build it holds failed
 * analysis, a rollback cannot simply switch to it. Says what `rollback <env>` would do instead (re-prepare
 * the last known-good version) or that there is nothing to roll back to. A warning: no user is affected
 * until the next rollback.
 */
export const rollbackTargetAnalyzer: Analyzer = {
  name: 'rollback-target',
  analyze(facts) {
    const state = facts.history.release;
    if (!state) return [];
    const standby = facts.colours[state.standby.colour];
    // The recorded standby no longer idle (traffic moved outside Jarvis): another analyzer's business.
    if (standby.servesTraffic === true) return [];
    const running = standby.deployment?.version;
    // A colour re-deployed since (a rollout in progress, or by hand) is judged by its own findings.
    if (running !== undefined && state.standby.version !== undefined && running !== state.standby.version)
      return [];
    if (state.standby.verdict !== 'failed') return [];
    const outlook = rollbackOutlook(facts);
    const version = state.standby.version ?? 'no version';
    const why = state.standby.reason ? ` (${state.standby.reason})` : '';
    const finding: Finding = {
      analyzer: 'rollback-target',
      severity: 'warning',
      colour: standby.colour,
      finding: `The rollback target ${version} on ${standby.colour} failed analysis${why}: ${
        outlook?.ok ? outlook.text : 'there is no known-good version to roll back to'
      }.`,
      evidence: [
        `live: ${state.live.colour} ${state.live.version ?? 'no version'} (${state.live.verdict.replace('_', ' ')})`,
        `standby: ${standby.colour} ${version}, failed${state.standby.at ? ` at ${new Date(state.standby.at).toISOString()}` : ''}`,
      ],
      next: {
        step: outlook?.ok
          ? `A rollback would take longer than a switch: it prepares ${otherColour(state.live.colour)} first. Nothing to do now unless ${state.live.colour} fails.`
          : `Deploy a fixed version, or name a version that succeeded in the previous environment ("rollback ${commandTarget(facts)} to <version>").`,
        command: `kubectl -n ${facts.namespace} get deployment ${standby.deploymentName} -o wide`,
      },
    };
    return [finding];
  },
};
