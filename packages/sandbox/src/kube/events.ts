import { Collection } from './collection.js';
import { newUid, ts } from './meta.js';
import type { KubeEvent } from './types.js';

/** What an event is about: the `involvedObject` of a CoreV1Event. */
export interface InvolvedObject {
  kind: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventSource {
  component: string;
  host?: string;
}

/** Events kept per namespace before the oldest are dropped (the API server expires them after an hour). */
const MAX_EVENTS = 100_000;

/**
 * The events of one namespace. Repeats of the same event (same object, reason, message and source) are
 * folded into one with a rising `count` and a later `lastTimestamp`, as the event recorder does.
 */
export class EventLog {
  readonly items = new Collection<KubeEvent>({
    'involvedObject.name': (e) => e.involvedObject.name,
  });
  private readonly byKey = new Map<string, string>();
  private readonly order: string[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    private readonly namespace: string,
    private readonly nextRv: () => string,
  ) {}

  /**
   * Records `times` occurrences of an event, the last at `at` (the first at `firstAt`, default `at`).
   * Returns the stored event.
   */
  record(
    at: number,
    about: InvolvedObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    source: EventSource,
    times = 1,
    firstAt = at,
  ): KubeEvent {
    const key = `${about.uid}|${about.fieldPath ?? ''}|${type}|${reason}|${message}|${source.component}`;
    const existing = this.items.get(this.byKey.get(key) ?? '');
    if (existing) {
      existing.count += times;
      existing.lastTimestamp = ts(at);
      existing.metadata.resourceVersion = this.nextRv();
      return existing;
    }
    const nanos = BigInt(Math.floor(firstAt)) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    const name = `${about.name}.${nanos.toString(16)}`;
    const event: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name,
        namespace: this.namespace,
        uid: newUid(),
        resourceVersion: this.nextRv(),
        creationTimestamp: ts(firstAt),
      },
      involvedObject: { ...about, namespace: this.namespace },
      reason,
      message,
      source,
      firstTimestamp: ts(firstAt),
      lastTimestamp: ts(at),
      count: times,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    };
    this.items.set(event);
    this.byKey.set(key, name);
    this.order.push(key);
    this.trim();
    return event;
  }

  private trim(): void {
    while (this.order.length - this.head > MAX_EVENTS) {
      const key = this.order[this.head++]!;
      const name = this.byKey.get(key);
      if (name !== undefined) this.items.delete(name);
      this.byKey.delete(key);
    }
    if (this.head > MAX_EVENTS) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
