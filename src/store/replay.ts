/**
 * Replay memory: what Jarvis has already acted on from the outside (Slack request signatures and event
 * ids, PagerDuty webhook ids and event ids), kept in the store for as long as a replay of it could still
 * be accepted, so that a restart or another replica does not forget it.
 */

/** One thing that may be acted on once: a scope (`slack.signature`, `pagerduty.event`...) and its key. */
export interface ReplayKey {
  scope: string;
  /** At most 512 characters. */
  key: string;
}

export interface ReplayStore {
  /**
   * Claims every key of `keys` together, atomically: resolves true when none of them was claimed before
   * (and all of them now are, until `expiresAt`), false when any of them was (a retry or a replay; nothing
   * is claimed then, and the caller must not act). Claims whose `expiresAt` is at or before `now` are
   * forgotten on the way. Rejects with INVALID_INPUT for an empty list or a malformed key.
   */
  claimOnce(keys: readonly ReplayKey[], expiresAt: number, now: number): Promise<boolean>;
}
