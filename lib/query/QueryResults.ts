/**
 * The results of a query over the local store, gathered as records stream
 * by: in store order (the order of each record's first message) unless a
 * sort is given, with a limit kept while gathering and a projection applied
 * early when nothing is sorted — memory holds the results (at most about
 * twice the limit), never the store.
 */
import { Query } from "mingo";
import { QUERY_OPTIONS } from "./query-normalize.js";

type Row = Record<string, unknown>;

interface Item {
  seq: number;
  record: Row;
}

const bySeq = (a: Item, b: Item): number => a.seq - b.seq;
const BATCH = 1024;

function project(items: Item[], projection: Record<string, 0 | 1>): Item[] {
  const rows = new Query({}, QUERY_OPTIONS).find<Row>(items.map((i) => i.record), projection).all();
  return rows.map((record, k) => ({ seq: items[k]!.seq, record }));
}

/** Gathers matching records; {@link rows} applies sort, limit and projection as MongoDB would. */
export class QueryResults {
  private items: Item[] = [];
  /** Items added since the last projection (unsorted queries project as they go). */
  private unprojected = 0;
  private readonly keep: number;

  constructor(
    private readonly sort: Record<string, 1 | -1> | undefined,
    private readonly limit: number | undefined,
    private readonly projection: Record<string, 0 | 1> | undefined,
  ) {
    this.keep = limit ? Math.max(2 * limit, BATCH) : Number.POSITIVE_INFINITY;
  }

  /** Adds a matching record; `seq` is the place of its first message in the store. */
  add(record: Row, seq: number): void {
    this.items.push({ seq, record });
    if (this.projection && !this.sort) this.unprojected++;
    if (this.items.length > this.keep) this.compact();
    else if (this.unprojected >= BATCH) this.projectNew();
  }

  /** True when `limit` records came before `seq` in store order (so later records cannot enter an unsorted result). */
  fullBefore(seq: number): boolean {
    if (this.sort || !this.limit || this.items.length < this.limit) return false;
    this.compact();
    return this.items[this.items.length - 1]!.seq < seq;
  }

  private projectNew(): void {
    const n = Math.min(this.unprojected, this.items.length);
    this.unprojected = 0;
    if (!n || !this.projection) return;
    const from = this.items.length - n;
    this.items.splice(from, n, ...project(this.items.slice(from), this.projection));
  }

  private compact(): void {
    if (!this.limit) return;
    if (!this.sort) {
      this.projectNew();
      this.items.sort(bySeq);
      this.items.length = Math.min(this.items.length, this.limit);
      return;
    }
    this.items.sort(bySeq);
    const spec: Record<string, 1 | -1> = {};
    for (const [k, v] of Object.entries(this.sort)) spec[`record.${k}`] = v;
    this.items = new Query({}, QUERY_OPTIONS).find<Item>(this.items).sort(spec).limit(this.limit).all();
  }

  /** The results: sorted (ties in store order), limited, projected. */
  rows(): Row[] {
    if (!this.sort && this.projection) this.projectNew();
    this.items.sort(bySeq);
    let records = this.items.map((i) => i.record);
    this.items = [];
    if (this.limit && !this.sort) records = records.slice(0, this.limit);
    if (!this.sort) return records;
    let cursor = new Query({}, QUERY_OPTIONS).find<Row>(records, this.projection);
    cursor = cursor.sort(this.sort);
    if (this.limit) cursor = cursor.limit(this.limit);
    return cursor.all();
  }
}
