import type { types } from '@slack/bolt';
import { z } from 'zod';
import type { Block } from './api.js';
import type { ProgressState } from './progress-state.js';

/** Action ids of the buttons on a rollout's progress message. */
export const CONTROL_ACTIONS = {
  stop: 'jarvis_stop',
  pause: 'jarvis_pause',
  resume: 'jarvis_resume',
} as const;
export type ControlAction = keyof typeof CONTROL_ACTIONS;

/** The buttons' labels. */
export const CONTROL_LABELS: Record<ControlAction, string> = {
  stop: 'Stop',
  pause: 'Pause',
  resume: 'Resume',
};

/**
 * What a control button's value names: the rollout, as shown on its message. It says which rollout was
 * meant, never who may act on it: the press is checked against the deployment's record on the server.
 */
const ControlTarget = z
  .object({
    deploymentId: z.number().int().positive(),
    env: z.string().min(1).max(63),
    service: z.string().min(1).max(63),
  })
  .strict();
export type ControlTarget = z.infer<typeof ControlTarget>;

/** The button value of `target`: JSON, e.g. `{"deploymentId":12,"env":"prd","service":"checkout"}`. */
export function controlValue(target: ControlTarget): string {
  return JSON.stringify({ deploymentId: target.deploymentId, env: target.env, service: target.service });
}

/** The target a button value names; undefined for anything that is not one {@link controlValue} made. */
export function parseControlValue(value: string): ControlTarget | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = ControlTarget.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The buttons of a rollout still running: Stop (no danger style: aborting is the safe way back), and
 * Pause, or Resume while it is paused. Undefined once it is finished or already aborting.
 */
export function controlsBlock(state: ProgressState): Block | undefined {
  if (state.finished || state.phase === 'abort') return undefined;
  const value = controlValue(state);
  const button = (action: ControlAction): types.Button => ({
    type: 'button',
    text: { type: 'plain_text', text: CONTROL_LABELS[action] },
    action_id: CONTROL_ACTIONS[action],
    value,
  });
  return {
    type: 'actions',
    block_id: `jarvis_controls_${state.deploymentId}`,
    elements: [button('stop'), button(state.paused ? 'resume' : 'pause')],
  };
}
