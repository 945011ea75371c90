/**
 * Where each rollout's progress message is in Slack, kept with its deployment (migration 13): the replica
 * that adopts the rollout of one that died edits the same message to the rollout's end.
 */

export interface ProgressMessageLocation {
  channel: string;
  /** The message's own ts. */
  ts: string;
  /** The thread it was posted in; undefined: none. */
  threadTs: string | undefined;
  /** The title it shows (what was confirmed); undefined: none. */
  title: string | undefined;
}

export interface ProgressMessageStore {
  /**
   * Records where the progress message of `deploymentId` is, replacing an earlier record. Rejects with
   * NOT_FOUND for an unknown deployment.
   */
  putProgressMessage(deploymentId: number, location: ProgressMessageLocation, at: number): Promise<void>;
  /** Where the progress message of `deploymentId` is; undefined when none was recorded. */
  progressMessage(deploymentId: number): Promise<ProgressMessageLocation | undefined>;
}
