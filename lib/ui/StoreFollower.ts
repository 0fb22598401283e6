/** What the UI server reads a store through: everything there, then each record as it arrives. */

/** Records read, in store order. `live` is false while the store's existing content is read. */
export type RecordsListener = (records: Record<string, unknown>[], live: boolean) => void;

/** A store being followed. */
export interface StoreFollower {
  /** How changes are seen, for people: `local store (incremental reads)`, `change streams`, `polling`. */
  readonly mode: string;
  /** Share of the existing content read so far (0–1). */
  readonly progress: number;
  /** Reads what the store holds (resolves when done), then follows it until {@link close}. */
  start(onRecords: RecordsListener): Promise<void>;
  close(): Promise<void>;
}
