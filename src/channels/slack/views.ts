import type { MfaOutcome, Requirements } from '../../policies/types.js';
import type { types } from '@slack/bolt';
import type { Block, ModalView } from './api.js';

/** Action ids of Jarvis's buttons; each button's `value` is the id of the pending decision it answers. */
export const ACTIONS = {
  confirm: 'jarvis_confirm',
  cancel: 'jarvis_cancel',
  approve: 'jarvis_approve',
  reject: 'jarvis_reject',
  mfa: 'jarvis_mfa',
} as const;
export type ButtonAction = keyof typeof ACTIONS;

/** The MFA modal's callback id and the block and action ids of its code input. */
export const MFA_VIEW = { callbackId: 'jarvis_mfa', block: 'code', input: 'code' } as const;

/** A Block Kit message: blocks, and the plain text notifications show. */
export interface MessageView {
  text: string;
  blocks: Block[];
}

/**
 * Escapes text for Slack mrkdwn. Whatever a tool or a model wrote is data: without this, `<!channel>` in a
 * log line would notify everyone, and `<https://evil|docs>` would be a disguised link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function mention(user: string): string {
  return `<@${user}>`;
}

/** Slack's date formatting: shown in each reader's own time zone, with a fallback text. */
export function slackTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{time}|${new Date(ms).toISOString()}>`;
}

/** A section block of one mrkdwn text, already escaped, within Slack's limit. */
export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
}

/** A context block (small grey text) of one mrkdwn text, already escaped, within Slack's limit. */
export function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: text.slice(0, 3000) }] };
}

function button(
  label: string,
  action: ButtonAction,
  id: string,
  style?: 'primary' | 'danger',
  confirm?: types.ConfirmationDialog,
): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: label },
    action_id: ACTIONS[action],
    value: id,
    ...(style ? { style } : {}),
    ...(confirm ? { confirm } : {}),
  };
}

/** Plain text cut to `max` characters (Slack refuses longer fields of a confirm dialog). */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Slack's own "are you sure?" dialog, for the Confirm button of a write whose environment guards it with
 * MFA or approvals (prd): one more deliberate step before production changes.
 */
function confirmDialog(
  summary: string,
  needs: Requirements,
  question: string | undefined,
): types.ConfirmationDialog {
  const next = needs.mfa ? 'Your MFA code is asked next.' : 'It runs as soon as you confirm.';
  return {
    title: { type: 'plain_text', text: cut(question ?? 'Change a guarded environment?', 100) },
    text: { type: 'plain_text', text: `${cut(summary, 300 - next.length - 2)}\n\n${next}` },
    confirm: { type: 'plain_text', text: 'Yes, go on' },
    deny: { type: 'plain_text', text: 'Not now' },
    style: 'primary',
  };
}

function actions(blockId: string, elements: types.Button[]): Block {
  return { type: 'actions', block_id: blockId, elements };
}

/** `summary` as a block quote, every line of it (a plan names the current state and the change). */
function quote(summary: string): string {
  return summary
    .split('\n')
    .map((line) => `> ${escapeMrkdwn(line)}`)
    .join('\n');
}

/**
 * Asks the requester to confirm one exact action. Cancel is neutral (nothing happens when it is pressed);
 * where the environment wants MFA or approval, Confirm opens Slack's confirm dialog first.
 */
export function confirmView(
  id: string,
  summary: string,
  needs: Requirements,
  requester: string,
  expiresAt: number,
  question?: string,
): MessageView {
  const next = [needs.mfa ? 'your MFA code is asked next' : undefined].filter(Boolean).join('; ');
  const guarded = needs.mfa || needs.approval;
  const asked = question ? `*${escapeMrkdwn(question)}*` : 'confirm this change:';
  return {
    text: `Confirm: ${summary}`,
    blocks: [
      section(`:warning: ${mention(requester)}, ${asked}\n${quote(summary)}`),
      context(
        `Only ${mention(requester)} can answer. ${next ? `${capitalise(next)}. ` : ''}The buttons expire at ${slackTime(expiresAt)}.`,
      ),
      actions(`jarvis_confirm_${id}`, [
        button(
          'Confirm',
          'confirm',
          id,
          'primary',
          guarded ? confirmDialog(summary, needs, question) : undefined,
        ),
        button('Cancel', 'cancel', id),
      ]),
    ],
  };
}

/** Asks a second person to approve the requester's action. */
export function approvalView(
  id: string,
  summary: string,
  requester: string,
  expiresAt: number,
  progress: { required: number; approvers: readonly string[] } = { required: 1, approvers: [] },
): MessageView {
  const { required, approvers } = progress;
  const asked =
    required > 1
      ? `approval ${approvers.length + 1} of ${required}${approvers.length > 0 ? ` (approved so far by ${approvers.map(mention).join(', ')})` : ''}`
      : "a second person's approval";
  return {
    text: `Approval needed: ${summary}`,
    blocks: [
      section(`:raising_hand: ${mention(requester)} asks for ${asked}:\n${quote(summary)}`),
      context(
        `Anyone allowed to approve this change except ${mention(requester)}${approvers.length > 0 ? ' and those who already did' : ''} can answer. The buttons expire at ${slackTime(expiresAt)}.`,
      ),
      actions(`jarvis_approval_${id}`, [
        button('Approve', 'approve', id, 'primary'),
        button('Reject', 'reject', id, 'danger'),
      ]),
    ],
  };
}

/** Asks the requester for their TOTP code, typed in a modal that only they see. */
export function mfaPromptView(
  id: string,
  summary: string,
  requester: string,
  expiresAt: number,
): MessageView {
  return {
    text: `MFA code needed: ${summary}`,
    blocks: [
      section(
        `:closed_lock_with_key: ${mention(requester)}, this change needs your MFA code:\n${quote(summary)}`,
      ),
      context(
        `The code is typed in a dialog only you see; it is never posted here. The button expires at ${slackTime(expiresAt)}.`,
      ),
      actions(`jarvis_mfa_${id}`, [button('Enter MFA code', 'mfa', id, 'primary')]),
    ],
  };
}

/** A decision message once answered or expired: the buttons are gone, the outcome stays. */
export function decidedView(summary: string, outcome: string): MessageView {
  return {
    text: `${summary} — ${outcome}`,
    blocks: [section(quote(summary)), context(outcome)],
  };
}

/** The modal that collects the TOTP code; `private_metadata` names the pending decision. */
export function mfaModal(id: string, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: MFA_VIEW.callbackId,
    private_metadata: id,
    title: { type: 'plain_text', text: 'Jarvis MFA' },
    submit: { type: 'plain_text', text: 'Verify' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`Code for:\n${quote(summary)}`),
      {
        type: 'input',
        block_id: MFA_VIEW.block,
        label: { type: 'plain_text', text: 'Code from your authenticator app' },
        element: {
          type: 'plain_text_input',
          action_id: MFA_VIEW.input,
          placeholder: { type: 'plain_text', text: '123456' },
          min_length: 6,
          max_length: 8,
        },
      },
      context('Checked by Jarvis only: the code is not posted, logged, audited or shown to the model.'),
    ],
  };
}

/** The outcome line of an MFA decision, for the prompt message once it is settled. */
export function mfaOutcomeText(user: string, outcome: MfaOutcome): string {
  return outcome.ok
    ? `:white_check_mark: MFA code of ${mention(user)} accepted.`
    : `:x: MFA not passed: ${escapeMrkdwn(outcome.message)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
