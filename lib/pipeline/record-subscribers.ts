/**
 * In-process subscribers to the records the pipelines produce
 * (`Flowcept.subscribe`). Every pipeline hands each record, after the mask,
 * to {@link publishRecord}; each subscriber has its own bounded
 * {@link DeliveryQueue}, so a slow or failing subscriber never slows capture
 * nor the stores, which still get every record. A subscriber's filter is in
 * two parts: one on the record's plain top-level fields, tested as the
 * record passes (a record it rules out is never queued), and one on its
 * JSON values (`used`, `generated`, …), tested when it is delivered.
 */
import { diag } from "@opentelemetry/api";
import { materializeRecord } from "../records/materialize-record.js";
import type { RawRecord } from "../records/RawJson.js";
import type { FlowceptRecord } from "../records/records.js";
import { DeliveryQueue } from "../stream/DeliveryQueue.js";

/** How a subscriber picks records. */
export interface RecordMatcher {
  /** Tested on the record as it passes; must read only plain top-level fields (`type`, ids, `status`…). */
  early?: ((record: RawRecord) => boolean) | undefined;
  /** Tested on the plain record before delivery. */
  late?: ((record: FlowceptRecord) => boolean) | undefined;
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /** Records waiting for the subscriber at most; more are dropped and counted. Default 10 000. */
  maxQueue?: number | undefined;
}

/**
 * What `Flowcept.subscribe` returns: call it to unsubscribe. Its counters
 * tell how the subscriber keeps up.
 */
export interface RecordSubscription {
  /** Stops the subscription; records still queued are not delivered. */
  (): void;
  /** Records handed to the callback. */
  readonly delivered: number;
  /** Records dropped because the subscriber's queue was full (the stores still got them). */
  readonly dropped: number;
  /** Records waiting for the subscriber. */
  readonly pending: number;
  /** False once unsubscribed. */
  readonly active: boolean;
}

interface Subscriber {
  matcher: RecordMatcher;
  queue: DeliveryQueue<RawRecord>;
}

const subscribers = new Set<Subscriber>();

/** Whether any subscriber is listening (lets pipelines skip publishing). */
export function hasSubscribers(): boolean {
  return subscribers.size > 0;
}

/** Hands a record to every subscriber whose early filter takes it. Never throws. */
export function publishRecord(record: RawRecord): void {
  for (const s of subscribers) {
    let take = true;
    if (s.matcher.early) {
      try {
        take = s.matcher.early(record);
      } catch (err) {
        take = false;
        diag.debug(`flowcept: subscriber filter threw: ${String(err)}`);
      }
    }
    if (take) s.queue.push(record);
  }
}

/** Adds a subscriber; see {@link RecordSubscription}. */
export function subscribeRecords(matcher: RecordMatcher, onRecord: (record: FlowceptRecord) => unknown, options: SubscribeOptions = {}): RecordSubscription {
  const maxQueue = options.maxQueue ?? 10_000;
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 1) throw new RangeError(`maxQueue must be a positive integer, not ${String(maxQueue)}`);
  let delivered = 0;
  const queue = new DeliveryQueue<RawRecord>(
    (raw) => {
      // A copy: what a subscriber does to its record never reaches the stores.
      const record = structuredClone(materializeRecord(raw));
      if (matcher.late && !matcher.late(record)) return undefined;
      delivered++;
      return onRecord(record);
    },
    maxQueue,
    (message) => diag.warn(`flowcept: a record subscriber failed: ${message}`),
  );
  const sub: Subscriber = { matcher, queue };
  subscribers.add(sub);
  const unsubscribe = (() => {
    subscribers.delete(sub);
    queue.close();
  }) as RecordSubscription;
  Object.defineProperties(unsubscribe, {
    delivered: { get: () => delivered, enumerable: true },
    dropped: { get: () => queue.dropped, enumerable: true },
    pending: { get: () => queue.pending, enumerable: true },
    active: { get: () => !queue.isClosed, enumerable: true },
  });
  return unsubscribe;
}
