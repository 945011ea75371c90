import type { RolloutEvent } from '../rollout/events.js';
import type { Actor, MfaOutcome, Requirements } from '../policies/types.js';
import type { ApprovalQuestion } from '../store/store.js';

/** One approval asked of people: the write, who asked, how many are needed and who already approved. */
export interface ApprovalAsk {
  summary: string;
  requester: Actor;
  required: number;
  /** People who already approved this exact plan. */
  approvers: readonly string[];
  /** Why `user` may not answer; undefined when they may. */
  eligible: (user: string) => string | undefined;
  /**
   * The question kept in the store, so that a press of its buttons received by another replica answers
   * it; undefined: the question lives in this process only.
   */
  shared?: SharedQuestion | undefined;
}

/** Where a channel posted an approval question. */
export interface PostedQuestion {
  /** The question's id: the value of its buttons. */
  id: string;
  channel: string;
  threadTs: string | undefined;
  /** The question's own message. */
  messageTs: string;
  /** When its buttons stop working (wall time, ms). */
  expiresAt: number;
}

/**
 * Why a press of an approval button does not count: `unknown` (no such question, or it was withdrawn),
 * `elsewhere` (the button is not on the question's own message), `answered` (someone answered first),
 * `expired`, `refused` (the release policy's rule: `reason` says why), `unavailable` (the store could not
 * record it; pressing again may work).
 */
export interface PressRefusal {
  why: 'unknown' | 'elsewhere' | 'answered' | 'expired' | 'refused' | 'unavailable';
  reason?: string | undefined;
  /** The question, when there is one (its thread, who answered it). */
  question?: ApprovalQuestion | undefined;
}

/** The agent's side of an approval question that every replica can answer (see {@link ApprovalAsk}). */
export interface SharedQuestion {
  /** The channel posted the question; resolves once it is recorded for the other replicas. */
  posted(question: PostedQuestion): Promise<void>;
  /**
   * A press of the question's button on this replica: records the answer in the store, once. Resolves
   * with why it does not count, or undefined when it does (the channel then shows it).
   */
  claim(user: string, approved: boolean): Promise<PressRefusal | undefined>;
  /**
   * Aborted when the question was answered through another replica, which shows the answer on the
   * question's message: the channel stops waiting and leaves the message alone.
   */
  signal: AbortSignal;
}

/** A press of an approval button for a question this replica did not ask. */
export interface StoredPress {
  /** The button's value: the question's id. */
  id: string;
  user: string;
  approved: boolean;
  channel: string | undefined;
  messageTs: string | undefined;
}

/** Answers presses of approval buttons whose question another replica asked, from the store. */
export interface StoredQuestions {
  /** Resolves with the question as answered, or why the press does not count. Never rejects. */
  answer(
    press: StoredPress,
  ): Promise<{ ok: true; question: ApprovalQuestion } | ({ ok: false } & PressRefusal)>;
}

/** A tool as planners see it: name, description and JSON schema of its input. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  risk: 'read' | 'write';
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** One block of a message, in the shape the Anthropic API uses (so history maps one to one). */
export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface Usage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

/** What a planner answers: text for the person, tool calls to run, or both. */
export interface PlannerTurn {
  text: string;
  toolCalls: ToolCall[];
  usage?: Usage;
  /** Why the planner stopped: end_turn, tool_use, max_tokens... */
  stop: string;
  /**
   * The planner answered without acting because it refused the request or did not understand it (the
   * offline grammar's refusals, questions back and near misses); `jarvis ask` then exits 1.
   */
  refused?: true;
}

export interface PlanRequest {
  messages: readonly Message[];
  tools: readonly ToolSpec[];
  /** Streams text as it is produced (channels render it live). */
  onText?: (delta: string) => void;
  signal?: AbortSignal;
  /**
   * When the planner was asked (epoch ms), if that was before `plan` began (a planner loaded on demand):
   * its time bounds count from then. Default: when `plan` is called.
   */
  askedAt?: number;
}

/** Claude, or the offline grammar. Throws on an API failure; the loop then falls back. */
export interface Planner {
  readonly name: string;
  plan(request: PlanRequest): Promise<PlannerTurn>;
}

/**
 * What the agent loop needs of the channel: to show things and to ask the person. The channel alone
 * collects confirmations, approvals and codes (DESIGN.md); what it collects goes to the gate.
 */
export interface Interaction {
  /**
   * Shows exactly what will happen and returns true only on an explicit yes. `question` is the tool's own
   * way of asking ("Confirm rollback?"); undefined: a plain "Proceed?".
   */
  confirm(summary: string, needs: Requirements, question?: string): Promise<boolean>;
  /**
   * Collects a TOTP code and hands it to `verify`, which the gate supplies; returns its outcome. A channel
   * may retry on `invalid` (a modal showing the error). The code goes nowhere else.
   */
  mfa(summary: string, verify: (code: string) => Promise<MfaOutcome>): Promise<MfaOutcome>;
  /**
   * One more person's approval, when the channel can obtain one; undefined: it cannot. The channel only
   * renders the request and collects the answer: `eligible` (the release policy's rule, from the call's
   * target) says who may answer.
   */
  approval?(request: ApprovalAsk): Promise<{ approved: boolean; approver?: string }>;
  /** Rollout progress. */
  progress(event: RolloutEvent): void;
  /** Streamed text of the assistant. */
  text?(delta: string): void;
}
