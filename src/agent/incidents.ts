import type { Clock } from '../clock.js';
import type { LoadedConfig } from '../config.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { IncidentNotes, PagerDutyEvent } from '../platform/pagerduty.js';
import type { Actor } from '../policies/types.js';
import { bound, redact } from '../redact.js';
import type { Store } from '../store/store.js';
import type { Agent } from './loop.js';
import type { Interaction } from './types.js';
import { incidentTimeline } from './incident-timeline.js';

/** Who PagerDuty-triggered work runs as: a viewer, read-only whatever the configuration says. */
export const PAGERDUTY_ACTOR: Actor = {
  id: 'pagerduty',
  role: 'viewer',
  channel: 'pagerduty',
  readOnly: true,
};

/** How every note Jarvis posts begins; also how its own notes are recognised when PagerDuty echoes them. */
export const NOTE_HEADER = 'Jarvis diagnosis';

/** Most bytes of a note or announcement: readable on a phone, well within PagerDuty's limit. */
const MAX_TEXT_BYTES = 12 * 1024;
/** Note ids remembered to recognise the incident.annotated events they cause. */
const OWN_NOTES_KEPT = 1000;

export interface IncidentResponderDeps {
  /** The agent built by createAgent; only `turn` is used. */
  agent: Pick<Agent, 'turn'>;
  config: LoadedConfig;
  store: Store;
  clock: Clock;
  /** PagerDuty's REST API (PagerDutyClient); undefined when notes are not configured (findings still go to `announce`). */
  notes?: IncidentNotes | undefined;
  /** Posts the findings to people elsewhere, e.g. the Slack app to #jarvis-ci. A failure is logged, not thrown. */
  announce?: ((text: string) => Promise<void>) | undefined;
  logger?: Logger | undefined;
}

/** What came of one event. */
export type IncidentOutcome =
  | {
      status: 'diagnosed';
      incidentId: string;
      env: string;
      service: string;
      /** The note posted on the incident; undefined when notes are off or posting failed. */
      noteId: string | undefined;
      announced: boolean;
      /** The text posted (redacted, bounded). */
      text: string;
    }
  | { status: 'ignored'; reason: string };

/** The channel side of a turn nobody is watching: every confirmation, approval and MFA is refused. */
const UNATTENDED: Interaction = {
  confirm: () => Promise.resolve(false),
  mfa: () =>
    Promise.resolve({
      ok: false,
      reason: 'invalid',
      message: 'PagerDuty-triggered work cannot pass MFA; a person must do this.',
    }),
  progress: () => undefined,
};

/**
 * Answers PagerDuty: on `incident.triggered` of a mapped service (config `pagerduty.services`), runs
 * "diagnose <env> <service>" through the agent as the read-only `pagerduty` actor (so the gate and the
 * audit log see it like any request), says first when a rollout of that service is running, and posts
 * the result, redacted, as an incident note and through `announce`; the whole response is recorded in
 * the audit log. `incident.annotated` events are never acted on; those caused by its own notes are
 * recognised as such. Nothing here talks HTTP to PagerDuty's webhook: see channels/pagerduty-webhook.
 */
export class IncidentResponder {
  private readonly ownNotes = new Set<string>();

  constructor(private readonly deps: IncidentResponderDeps) {}

  /** Acts on one verified, first-seen event. Never rejects: failures are logged and audited. */
  async handle(event: PagerDutyEvent): Promise<IncidentOutcome> {
    if (event.kind === 'incident.annotated') {
      const own =
        (event.noteId !== undefined && this.ownNotes.has(event.noteId)) ||
        event.content.startsWith(NOTE_HEADER);
      return { status: 'ignored', reason: own ? 'own note' : 'notes are not acted on' };
    }
    if (event.kind === 'other') return { status: 'ignored', reason: `${event.eventType} is not acted on` };
    const target = this.deps.config.pagerduty.services[event.serviceId];
    if (!target) {
      const reason = `PagerDuty service ${event.serviceId} is not mapped in pagerduty.services`;
      this.deps.logger?.info({ incident: event.incidentId, service: event.serviceId }, reason);
      await this.audit(
        event,
        `incident ${event.incidentId} of unmapped service ${event.serviceId}`,
        'ignored',
        {
          incident: event.incidentId,
          pagerdutyService: event.serviceId,
        },
      );
      return { status: 'ignored', reason };
    }
    return this.diagnose(event, target.env, target.service);
  }

  private async diagnose(
    event: Extract<PagerDutyEvent, { kind: 'incident.triggered' }>,
    env: string,
    service: string,
  ): Promise<IncidentOutcome> {
    const { incidentId } = event;
    const began = event.occurredAt ?? Date.now();
    const sections = [
      `${NOTE_HEADER} of ${service} in ${env} for incident ${event.number !== undefined ? `#${event.number}` : incidentId}${event.title ? ` "${event.title}"` : ''} (read-only; nothing was changed).\n${await incidentTimeline(this.deps.store, env, service, began)}`,
    ];
    const rollout = await this.runningRollout(env, service);
    if (rollout) sections.push(rollout);
    let failed: string | undefined;
    try {
      const result = await this.deps.agent.turn(
        `pagerduty:${incidentId}`,
        PAGERDUTY_ACTOR,
        `diagnose ${env} ${service}`,
        UNATTENDED,
      );
      sections.push(result.text || 'The diagnosis produced no answer.');
    } catch (err) {
      failed = messageOf(err);
      sections.push(`The diagnosis failed: ${failed}`);
    }
    const text = bound(redact(sections.join('\n\n')), MAX_TEXT_BYTES);
    const noteId = await this.postNote(incidentId, text);
    const announced = await this.announce(text);
    await this.audit(
      event,
      `diagnose ${service} in ${env} for PagerDuty incident ${incidentId}`,
      failed ? 'error' : 'ok',
      {
        incident: incidentId,
        env,
        service,
        note: noteId ?? null,
        announced,
        rolloutRunning: rollout !== undefined,
        ...(failed ? { reason: redact(failed) } : {}),
      },
    );
    return { status: 'diagnosed', incidentId, env, service, noteId, announced, text };
  }

  /** "A rollout is running" first: the likeliest cause, and a reason not to act without its owner. */
  private async runningRollout(env: string, service: string): Promise<string | undefined> {
    try {
      const running = (await this.deps.store.runningDeployments()).find(
        (d) => d.env === env && d.service === service,
      );
      if (!running) return undefined;
      return `A rollout of ${service} in ${env} is running: deployment #${running.id}, ${running.version} to ${running.colour}, started by ${running.actor} at ${new Date(running.startedAt).toISOString()}. It analyses each step and aborts on its own; talk to ${running.actor} before acting.`;
    } catch (err) {
      this.deps.logger?.warn({ err: messageOf(err) }, 'incident: cannot read running rollouts');
      return undefined;
    }
  }

  private async postNote(incidentId: string, text: string): Promise<string | undefined> {
    if (!this.deps.notes) return undefined;
    try {
      const { id } = await this.deps.notes.addNote(incidentId, text);
      this.ownNotes.add(id);
      // A bounded memory: the oldest ids go first (a Set iterates in insertion order).
      if (this.ownNotes.size > OWN_NOTES_KEPT) this.ownNotes.delete(this.ownNotes.values().next().value!);
      return id;
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err), incident: incidentId }, 'incident: note not posted');
      return undefined;
    }
  }

  private async announce(text: string): Promise<boolean> {
    if (!this.deps.announce) return false;
    try {
      await this.deps.announce(text);
      return true;
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err) }, 'incident: announcement failed');
      return false;
    }
  }

  private async audit(
    event: PagerDutyEvent,
    summary: string,
    outcome: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.deps.store.appendAudit({
        at: this.deps.clock.now(),
        actor: PAGERDUTY_ACTOR.id,
        channel: PAGERDUTY_ACTOR.channel,
        tool: 'pagerduty.incident',
        inputSummary: redact(summary),
        decision: 'allow',
        outcome,
        detail: { ...detail, event: event.eventId },
      });
    } catch (err) {
      this.deps.logger?.error({ err: messageOf(err) }, 'incident: audit write failed');
    }
  }
}
