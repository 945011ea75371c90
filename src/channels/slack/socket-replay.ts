import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ReplayKey } from '../../store/replay.js';

/**
 * Socket Mode's replay memory. Slack hands each envelope to one of an app's connections and sends an
 * event again when its acknowledgement is late, possibly to another connection (another replica, or
 * this process after a restart). Bolt acknowledges an event before any middleware runs, so the event id
 * is claimed here, in the store: an event claimed before goes no further. (Over HTTP the receiver claims
 * it together with the request's signature, before the acknowledgement.)
 *
 * A memory that cannot answer lets the event through with an error in the log: the socket is
 * authenticated by the app token, so what arrives on it is Slack's own retry at worst, and dropping a
 * person's request unanswered would be the worse failure.
 */
export function socketReplayGuard(
  claim: (keys: ReplayKey[]) => Promise<boolean>,
  logger: Logger | undefined,
): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const raw = body as { type?: unknown; event_id?: unknown };
    if (raw.type !== 'event_callback' || typeof raw.event_id !== 'string') return next();
    let first = true;
    try {
      first = await claim([{ scope: 'slack.event', key: raw.event_id }]);
    } catch (err) {
      logger?.error({ err: messageOf(err), eventId: raw.event_id }, 'Slack replay memory unavailable');
    }
    if (!first) {
      logger?.info({ eventId: raw.event_id }, 'slack event already handled');
      return;
    }
    await next();
  };
}
