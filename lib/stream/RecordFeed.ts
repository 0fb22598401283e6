/**
 * A live feed of records with event ids, for server-sent event streams: the
 * most recent records are kept in a ring so that a client that reconnects
 * with `Last-Event-ID` gets what it missed. An id names the feed instance
 * (`<epoch>.<sequence>`): an id from another instance (the server restarted)
 * or one older than the ring cannot be resumed, and the client is told to
 * load its state again.
 */
import { randomBytes } from "node:crypto";
import type { RawRecord } from "../records/RawJson.js";

/** One record of the feed. */
export interface FeedEvent {
  /** `<epoch>.<sequence>`. */
  readonly id: string;
  readonly seq: number;
  /** The record as published (its JSON-text fields are serialised as JSON). */
  readonly record: RawRecord;
  /** The record as JSON text (made once, shared by every client). */
  readonly json: string;
}

class Event implements FeedEvent {
  private text: string | undefined;
  constructor(
    readonly id: string,
    readonly seq: number,
    readonly record: RawRecord,
  ) {}
  get json(): string {
    return (this.text ??= JSON.stringify(this.record));
  }
}

/** See the file header. */
export class RecordFeed {
  /** Names this feed instance in its event ids. */
  readonly epoch = randomBytes(4).toString("hex");
  private readonly ring: (FeedEvent | undefined)[];
  private seq = 0;
  private readonly listeners = new Set<(e: FeedEvent) => void>();

  /** @param capacity Records kept for resuming. Default 10 000. */
  constructor(readonly capacity = 10_000) {
    this.ring = new Array<FeedEvent | undefined>(Math.max(1, capacity));
  }

  /** The id of the latest event, or undefined before the first. */
  get lastId(): string | undefined {
    return this.seq === 0 ? undefined : `${this.epoch}.${this.seq}`;
  }

  /** Number of live listeners (clients). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds records to the feed and hands them to every listener. */
  publish(records: Iterable<RawRecord>): void {
    for (const record of records) {
      const seq = ++this.seq;
      const e = new Event(`${this.epoch}.${seq}`, seq, record);
      this.ring[seq % this.ring.length] = e;
      for (const l of this.listeners) l(e);
    }
  }

  /** Calls `listener` with every event published from now on; returns the function that stops it. */
  listen(listener: (e: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The sequence number of the latest event (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * The sequence number an event id names, when events after it can still
   * be had; undefined when they cannot (another instance's id, one too old,
   * or not an id).
   */
  resumeFrom(lastEventId: string): number | undefined {
    const m = /^([0-9a-f]{8})\.(\d{1,15})$/.exec(lastEventId);
    const seq = m ? Number(m[2]) : NaN;
    if (!m || m[1] !== this.epoch || seq > this.seq || seq + 1 < this.oldest) return undefined;
    return seq;
  }

  private get oldest(): number {
    return Math.max(1, this.seq - this.ring.length + 1);
  }

  /** The events after sequence number `seq`, at most `max`; undefined when some of them are no longer kept. */
  after(seq: number, max = Infinity): FeedEvent[] | undefined {
    if (seq + 1 < this.oldest) return undefined;
    const events: FeedEvent[] = [];
    for (let s = seq + 1; s <= this.seq && events.length < max; s++) events.push(this.ring[s % this.ring.length]!);
    return events;
  }
}
