import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions as httpFunc,
  HTTPResponseAck,
  type App,
  type Logger as BoltLogger,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import { messageOf } from '../../errors.js';
import type { ReplayKey } from '../../store/replay.js';

export interface EventsReceiverOptions {
  signingSecret: string;
  logger: BoltLogger;
  /** Largest body accepted (413 above it). Slack's payloads are a few KB; default 1 MB. */
  bodyLimit?: number;
  /** An interaction no listener acknowledged within this time gets Bolt's "not acknowledged" answer. */
  unhandledRequestTimeoutMillis?: number;
  /**
   * Claims a verified request's signature and, for an Events API callback, its event id in the replay
   * memory (the store's `claimOnce`): true the first time. A request claimed before (a replay, or
   * Slack retrying an event already taken) is answered 200 and goes no further. Undefined: no memory.
   */
  claim?: (keys: ReplayKey[]) => Promise<boolean>;
}

/**
 * Bolt's receiver for HTTP mode, made of Bolt's own HTTP functions (signature check, body parsing,
 * url_verification, ssl_check, ack with a response) with one difference from HTTPReceiver: an Events API
 * callback gets its 200 as soon as its signature is verified, and reaches Bolt's middleware and
 * listeners only after the requests that arrived with it have been answered (setImmediate), so a burst
 * of events is acknowledged at the pace of the signature checks, not of the routing. Interactions
 * (buttons, the MFA modal) are still answered by their listener's `ack`, which can carry a response
 * (modal errors). The HTTP server is the caller's: mount {@link handle} on the request URL.
 */
export class EventsReceiver implements Receiver {
  private app: App | undefined;
  private readonly bodyLimit: number;

  constructor(private readonly options: EventsReceiverOptions) {
    this.bodyLimit = options.bodyLimit ?? 1024 * 1024;
  }

  init(app: App): void {
    this.app = app;
  }

  /** The server belongs to the caller: nothing to start. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Handles one POST from Slack (events and interactivity share the URL). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.process(req, res);
  };

  /** Whether this verified request is new to the replay memory, or `unavailable` when it cannot say. */
  private async claimed(
    req: IncomingMessage,
    body: Record<string, unknown>,
  ): Promise<boolean | 'unavailable'> {
    const claim = this.options.claim;
    if (!claim) return true;
    const signature = req.headers['x-slack-signature'];
    const keys: ReplayKey[] = [];
    if (typeof signature === 'string') keys.push({ scope: 'slack.signature', key: signature });
    if (body.type === 'event_callback' && typeof body.event_id === 'string') {
      keys.push({ scope: 'slack.event', key: body.event_id });
    }
    if (keys.length === 0) return true;
    try {
      return await claim(keys);
    } catch (err) {
      this.options.logger.error(`Slack replay memory unavailable: ${messageOf(err)}`);
      return 'unavailable';
    }
  }

  private async process(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { logger } = this.options;
    const app = this.app;
    if (!app) throw new Error('EventsReceiver used before App.init');
    let buffered: Awaited<ReturnType<typeof httpFunc.parseAndVerifyHTTPRequest>>;
    try {
      buffered = await httpFunc.parseAndVerifyHTTPRequest(
        { signingSecret: this.options.signingSecret, bodyLimit: this.bodyLimit, logger },
        req,
      );
    } catch (err) {
      if (httpFunc.isRawBodyError(err) && err.statusCode === 413) {
        logger.warn(`Slack request body over the limit of ${this.bodyLimit} bytes`);
        httpFunc.buildNoBodyResponse(res, 413);
        return;
      }
      logger.warn(`Slack request refused: ${messageOf(err)}`);
      httpFunc.buildNoBodyResponse(res, 401);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = httpFunc.parseHTTPRequestBody(buffered) as Record<string, unknown>;
    } catch (err) {
      logger.warn(`Malformed Slack request body: ${messageOf(err)}`);
      httpFunc.buildNoBodyResponse(res, 400);
      return;
    }
    if (body.ssl_check === '1') return httpFunc.buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return httpFunc.buildUrlVerificationResponse(res, body);
    const fresh = await this.claimed(req, body);
    if (fresh !== true) {
      // Slack wants a 200 for a retry it need not repeat (a replay learns nothing from it either); a
      // memory that cannot answer gets a 503, which Slack retries later.
      httpFunc.buildNoBodyResponse(res, fresh === false ? 200 : 503);
      return;
    }

    const retryNum = httpFunc.extractRetryNumFromHTTPRequest(req);
    const retryReason = httpFunc.extractRetryReasonFromHTTPRequest(req);
    const retry = {
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    };
    if (body.type === 'event_callback') {
      httpFunc.buildNoBodyResponse(res, 200);
      const event: ReceiverEvent = { body, ack: () => Promise.resolve(), ...retry };
      setImmediate(() => {
        app.processEvent(event).catch((err: unknown) => {
          logger.error(`Slack event failed after its acknowledgement: ${messageOf(err)}`);
        });
      });
      return;
    }
    const ack = new HTTPResponseAck({
      logger,
      processBeforeResponse: false,
      ...(this.options.unhandledRequestTimeoutMillis !== undefined
        ? { unhandledRequestTimeoutMillis: this.options.unhandledRequestTimeoutMillis }
        : {}),
      httpRequest: buffered,
      httpRequestBody: body,
      httpResponse: res,
    });
    try {
      await app.processEvent({ body, ack: ack.bind(), ...retry });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(messageOf(err));
      const storedResponse: unknown = ack.storedResponse;
      const acknowledged = await httpFunc.defaultProcessEventErrorHandler({
        error,
        logger,
        request: req,
        response: res,
        storedResponse,
      });
      if (acknowledged) ack.ack();
    }
  }
}
