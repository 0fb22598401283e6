/**
 * One collection of the test server: documents in insertion order, indexes
 * (unique ones enforced with MongoDB's duplicate-key error), and the write
 * operations with MongoDB's semantics, using mingo for query and update
 * expressions.
 */
import { calculateObjectSize, ObjectId, type Document } from "bson";
import { update as applyOperators } from "mingo";
import { makeQuery, runPipeline } from "./mingo-fast.js";
import { CommandError } from "./CommandError.js";
import { cloneDoc, getPath, indexKey, invalidFieldName, isPlainDoc, MAX_BSON_OBJECT_SIZE } from "./bson-values.js";

/** An index definition as `listIndexes` reports it. */
export interface IndexSpec {
  v: number;
  key: Document;
  name: string;
  unique?: boolean;
}

interface Index {
  spec: IndexSpec;
  fields: string[];
  entries: Map<string, Set<number>>;
}

/** What one update statement did. */
export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
}

/** A collection of the test server. */
export class MemoryCollection {
  private readonly docs = new Map<number, Document>();
  private readonly indexes = new Map<string, Index>();
  private seq = 0;

  constructor(readonly name: string) {
    this.createIndex({ v: 2, key: { _id: 1 }, name: "_id_" });
  }

  get size(): number {
    return this.docs.size;
  }

  listIndexes(): IndexSpec[] {
    return [...this.indexes.values()].map((i) => ({ ...i.spec }));
  }

  /** Adds an index; fails with 11000 when a unique index meets duplicates. Returns false if it existed. */
  createIndex(spec: IndexSpec): boolean {
    if (this.indexes.has(spec.name)) return false;
    const index: Index = { spec, fields: Object.keys(spec.key), entries: new Map() };
    for (const [id, doc] of this.docs) {
      const key = this.keyOf(index, doc);
      const set = index.entries.get(key);
      if (spec.unique && set && set.size) throw this.duplicate(index, doc);
      if (set) set.add(id);
      else index.entries.set(key, new Set([id]));
    }
    this.indexes.set(spec.name, index);
    return true;
  }

  dropIndex(name: string): void {
    if (name === "_id_" || !this.indexes.delete(name)) {
      throw new CommandError(27, "IndexNotFound", `index not found with name [${name}]`);
    }
  }

  /** Documents matching `filter`, in insertion order (copies are not made). */
  find(filter: Document = {}): Document[] {
    const query = matcher(filter);
    const out: Document[] = [];
    for (const id of this.candidates(filter)) {
      const doc = this.docs.get(id)!;
      if (query.test(doc)) out.push(doc);
    }
    return out;
  }

  insert(doc: Document): void {
    const stored = cloneDoc(doc);
    if (stored._id === undefined) {
      // _id first, as MongoDB stores it.
      const withId: Document = { _id: new ObjectId(), ...stored };
      this.store(undefined, withId, "insert");
      return;
    }
    this.store(undefined, stored, "insert");
  }

  update(filter: Document, u: Document | Document[], opts: { upsert?: boolean; multi?: boolean }): UpdateOutcome {
    const matches = this.matchIds(filter, !opts.multi);
    if (matches.length === 0) {
      if (!opts.upsert) return { matched: 0, modified: 0 };
      const seed = upsertSeed(filter);
      const next = this.applyUpdate(seed, u, true);
      if (next._id === undefined) next._id = seed._id ?? new ObjectId();
      const ordered: Document = { _id: next._id, ...next };
      this.store(undefined, ordered, "update");
      return { matched: 0, modified: 0, upsertedId: ordered._id };
    }
    let modified = 0;
    for (const id of matches) {
      const before = this.docs.get(id)!;
      const next = this.applyUpdate(cloneDoc(before), u, false);
      if (next._id === undefined) next._id = before._id;
      else if (indexKey(next._id) !== indexKey(before._id)) {
        throw new CommandError(66, "ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      this.store(id, next, "update");
      modified++;
    }
    return { matched: matches.length, modified };
  }

  delete(filter: Document, limit: number): number {
    const ids = this.matchIds(filter, limit === 1);
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  private matchIds(filter: Document, justOne: boolean): number[] {
    const query = matcher(filter);
    const out: number[] = [];
    for (const id of this.candidates(filter)) {
      if (query.test(this.docs.get(id)!)) {
        out.push(id);
        if (justOne) break;
      }
    }
    return out;
  }

  /** Ids worth testing against `filter`: an index lookup when a top-level equality hits an index. */
  private candidates(filter: Document): Iterable<number> {
    for (const index of this.indexes.values()) {
      if (index.fields.length !== 1) continue;
      const field = index.fields[0]!;
      if (!(field in filter)) continue;
      const v = filter[field];
      let values: unknown[] | undefined;
      if (isPlainDoc(v)) {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === "$eq") values = [v.$eq];
        else if (keys.length === 1 && keys[0] === "$in" && Array.isArray(v.$in) && !v.$in.some((x) => x instanceof RegExp || Array.isArray(x))) values = v.$in;
      } else if (!(v instanceof RegExp) && !Array.isArray(v)) {
        values = [v];
      }
      if (!values) continue;
      const ids = new Set<number>();
      for (const value of values) for (const id of index.entries.get(indexKey(value)) ?? []) ids.add(id);
      return [...ids].sort((a, b) => a - b);
    }
    return this.docs.keys();
  }

  private applyUpdate(doc: Document, u: Document | Document[], inserting: boolean): Document {
    if (Array.isArray(u)) {
      const [out] = runPipeline(u, [doc]);
      return out ?? {};
    }
    const keys = Object.keys(u);
    if (keys.length && keys.every((k) => k.startsWith("$"))) {
      const modifier: Document = { ...u };
      const onInsert = modifier.$setOnInsert as Document | undefined;
      delete modifier.$setOnInsert;
      if (inserting && onInsert) modifier.$set = { ...(modifier.$set ?? {}), ...onInsert };
      for (const [op, fields] of Object.entries(modifier)) {
        if (!isPlainDoc(fields)) throw new CommandError(9, "FailedToParse", `Modifiers operate on fields but we found type ${typeof fields} instead`);
        if (op === "$set" || op === "$setOnInsert") {
          for (const [k, v] of Object.entries(fields)) {
            if (isPlainDoc(v)) {
              const bad = invalidFieldName(v, k);
              if (bad) throw fieldNameError(bad);
            }
          }
        }
      }
      if (Object.keys(modifier).length) applyOperators(doc, modifier as never, undefined, undefined, { cloneMode: "deep" });
      return doc;
    }
    if (keys.some((k) => k.startsWith("$"))) {
      throw new CommandError(9, "FailedToParse", "Unknown modifier: the update mixes operators and fields");
    }
    return { _id: doc._id, ...cloneDoc(u) };
  }

  /** Validates and stores `doc` (a new one when `id` is undefined), keeping indexes in step. */
  private store(id: number | undefined, doc: Document, op: "insert" | "update"): void {
    const bad = invalidFieldName(doc);
    if (bad) throw fieldNameError(bad);
    const size = calculateObjectSize(doc);
    if (size > MAX_BSON_OBJECT_SIZE) {
      throw op === "insert"
        ? new CommandError(10334, "BSONObjectTooLarge", `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_OBJECT_SIZE}`)
        : new CommandError(17419, "Location17419", `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`);
    }
    const before = id === undefined ? undefined : this.docs.get(id);
    const slot = id ?? ++this.seq;
    for (const index of this.indexes.values()) {
      if (!index.spec.unique) continue;
      const key = this.keyOf(index, doc);
      const holders = index.entries.get(key);
      if (holders && [...holders].some((h) => h !== slot)) throw this.duplicate(index, doc);
    }
    for (const index of this.indexes.values()) {
      if (before) this.unindex(index, before, slot);
      const key = this.keyOf(index, doc);
      const set = index.entries.get(key);
      if (set) set.add(slot);
      else index.entries.set(key, new Set([slot]));
    }
    this.docs.set(slot, doc);
  }

  private remove(id: number): void {
    const doc = this.docs.get(id);
    if (!doc) return;
    for (const index of this.indexes.values()) this.unindex(index, doc, id);
    this.docs.delete(id);
  }

  private unindex(index: Index, doc: Document, id: number): void {
    const key = this.keyOf(index, doc);
    const set = index.entries.get(key);
    if (!set) return;
    set.delete(id);
    if (!set.size) index.entries.delete(key);
  }

  private keyOf(index: Index, doc: Document): string {
    if (index.fields.length === 1) return indexKey(getPath(doc, index.fields[0]!));
    return index.fields.map((f) => indexKey(getPath(doc, f))).join("\u0001");
  }

  private duplicate(index: Index, doc: Document): CommandError {
    const keyValue: Document = {};
    for (const f of index.fields) keyValue[f] = getPath(doc, f) ?? null;
    return new CommandError(
      11000,
      "DuplicateKey",
      `E11000 duplicate key error collection: ${this.name} index: ${index.spec.name} dup key: ${JSON.stringify(keyValue)}`,
      { keyPattern: index.spec.key, keyValue },
    );
  }
}

/** A filter of plain top-level equalities on strings/numbers/booleans is tested directly; others go to mingo. */
function matcher(filter: Document): { test(doc: Document): boolean } {
  const entries = Object.entries(filter);
  if (entries.every(([k, v]) => !k.startsWith("$") && !k.includes(".") && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"))) {
    return {
      test: (doc) =>
        entries.every(([k, v]) => {
          const x = doc[k];
          return x === v || (Array.isArray(x) && x.includes(v));
        }),
    };
  }
  return makeQuery(filter);
}

function fieldNameError(path: string): CommandError {
  const key = path.split(".").pop() ?? path;
  return key.startsWith("$")
    ? new CommandError(52, "DollarPrefixedFieldName", `The dollar ($) prefixed field '${key}' in '${path}' is not valid for storage.`)
    : new CommandError(57, "DottedFieldName", `The dotted field '${key}' in '${path}' is not valid for storage.`);
}

/** The document an upsert starts from: the filter's top-level equality fields. */
function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith("$") || k.includes(".")) continue;
    if (isPlainDoc(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === "$eq") seed[k] = cloneDoc(v.$eq);
      else if (!keys.some((x) => x.startsWith("$"))) seed[k] = cloneDoc(v);
      continue;
    }
    if (v instanceof RegExp) continue;
    seed[k] = cloneDoc(v);
  }
  return seed;
}
