/**
 * Hands items to a consumer one at a time, in order, away from the
 * producer's call path: `push` only queues (O(1)) and the consumer runs on a
 * later turn of the event loop, its promise awaited before the next item. A
 * consumer that falls behind fills a bounded queue; items arriving then are
 * dropped and counted, so a slow consumer never holds the producer back nor
 * makes memory grow.
 */
import { errorMessage } from "../util/error-message.js";

/** Counters of a {@link DeliveryQueue}. */
export interface DeliveryCounts {
  /** Items handed to the consumer. */
  readonly consumed: number;
  /** Items dropped because the queue was full. */
  readonly dropped: number;
  /** Items waiting. */
  readonly pending: number;
}

/** See the file header. */
export class DeliveryQueue<T> implements DeliveryCounts {
  private items: T[] = [];
  private head = 0;
  private scheduled = false;
  private running = false;
  private closed = false;
  consumed = 0;
  dropped = 0;

  /**
   * @param consume Called with each item; a returned promise is awaited before the next one.
   * @param maxQueue Items held at most; more are dropped.
   * @param onError Told what the consumer threw or rejected with (the queue goes on).
   */
  constructor(
    private readonly consume: (item: T) => unknown,
    private readonly maxQueue: number,
    private readonly onError: (message: string) => void,
  ) {}

  get pending(): number {
    return this.items.length - this.head;
  }

  /** Queues `item`; false when it was dropped (queue full) or the queue is closed. */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.pending >= this.maxQueue) {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    if (!this.scheduled && !this.running) {
      this.scheduled = true;
      setImmediate(() => void this.drain());
    }
    return true;
  }

  /** Stops delivering; what is queued is let go. */
  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      while (!this.closed && this.head < this.items.length) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined as T;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        try {
          const r = this.consume(item);
          this.consumed++;
          if (r && typeof (r as PromiseLike<unknown>).then === "function") await r;
        } catch (err) {
          this.onError(errorMessage(err));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
