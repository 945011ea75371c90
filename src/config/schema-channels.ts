import { z } from 'zod';
import { k8sName } from './schema-names.js';

// The `slack` and `pagerduty` sections of `jarvis.config.yaml` (strict, like the rest of the schema).

/** A Slack channel by name (`jarvis-ci`, with or without `#`) or by id (`C0123ABCD`). */
const slackChannel = z
  .string()
  .regex(
    /^(#?[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,})$/,
    'must be a Slack channel name such as jarvis-ci, or a channel id such as C0123ABCD',
  );

export const SlackSchema = z
  .object({
    /** Channels where Jarvis answers every message and mention; others get a pointer to these. */
    channels: z.array(slackChannel).min(1).default(['jarvis-ci']),
    /** Answer direct messages too. */
    directMessages: z.boolean().default(true),
    /** Where rollbacks and PagerDuty findings are posted for everyone to see. */
    announceChannel: slackChannel.default('jarvis-ci'),
    /** Seconds before a confirm, approve or MFA button stops working (the action is then not taken). */
    buttonTtlSeconds: z.number().int().min(30).max(3600).default(600),
    /** Least interval between two edits of a rollout's progress message, in ms (Slack allows ~1/s). */
    progressIntervalMs: z.number().int().min(0).max(60_000).default(1200),
    /**
     * Least interval between two edits of an answer while it streams in, in ms; the complete answer is
     * sent as soon as it is there.
     */
    answerIntervalMs: z.number().int().min(0).max(60_000).default(1000),
    /**
     * Requests worked on at once over all threads; more wait their turn (they are acknowledged at once
     * anyway). A request waiting for a person's button or code does not count.
     */
    maxConcurrentTurns: z.number().int().min(1).max(256).default(8),
  })
  .strict();
export type SlackSettings = z.infer<typeof SlackSchema>;

/** A PagerDuty object id, e.g. the service id PF9KMXH. */
export const PAGERDUTY_ID = /^[A-Z0-9]{5,20}$/;

export const PagerDutySchema = z
  .object({
    /**
     * Incidents of these PagerDuty services (by id, as in the service's URL) are diagnosed in the
     * environment and service named; incidents of any other service are acknowledged and left alone.
     */
    services: z.record(z.string(), z.object({ env: k8sName, service: k8sName }).strict()).default({}),
    /**
     * Events that occurred (`occurred_at`) longer ago than this are acknowledged and ignored: a page
     * is worth diagnosing while it is fresh, and an old signed delivery sent again is a replay.
     */
    maxEventAgeSeconds: z.number().int().min(10).max(86_400).default(600),
  })
  .strict();
export type PagerDutySettings = z.infer<typeof PagerDutySchema>;
