/**
 * The lineage index of a set of tasks: who is whose parent and loop, and
 * which task generated or used which content — in flat typed arrays, so that
 * a million tasks load from disk in one read and answer a walk without
 * creating an object per task. Tasks are numbered 0…n-1; `-1` means none.
 *
 * Each non-trivial value of a task is a value entry, with the first 64 bits
 * of its content identity (`hi`, `lo`). Two posting lists order the entries —
 * generated ones by (content, scope, producer time) and used ones by
 * (content, scope, consumer time) — so that "who last generated this before
 * that task started" and "who used this after that task ended" are binary
 * searches.
 */
import { keyName, type LineageRule } from "./lineage-rule.js";

/** The arrays of a {@link LineageIndex}; also its file layout (each array is one section). */
export interface LineageColumns {
  parent: Int32Array;
  group: Int32Array;
  workflow: Int32Array;
  campaign: Int32Array;
  /** Where dataflow may link: the campaign or the workflow, by the rule's scope. */
  scope: Int32Array;
  activity: Int32Array;
  status: Int32Array;
  hostname: Int32Array;
  /** Seconds; NaN when unknown. */
  started: Float64Array;
  ended: Float64Array;
  /** Task ids, UTF-8, task i at `idBytes[idOff[i] … idOff[i+1])`. */
  idOff: Uint32Array;
  idBytes: Uint8Array;
  /** Task numbers in task id order (JavaScript string order). */
  idSorted: Int32Array;
  childOff: Uint32Array;
  child: Int32Array;
  memberOff: Uint32Array;
  member: Int32Array;
  /** Task i's value entries are `valOff[i] … valOff[i+1]`. */
  valOff: Uint32Array;
  valHi: Uint32Array;
  valLo: Uint32Array;
  /** 1 used, 2 generated. */
  valRole: Uint8Array;
  /** Key path (string number). */
  valKey: Int32Array;
  /** The task of each value entry. */
  valTask: Int32Array;
  /** Generated value entries sorted by (content, scope, producer time). */
  gen: Int32Array;
  /** Used value entries sorted by (content, scope, consumer time). */
  use: Int32Array;
}

/** Names of the {@link LineageColumns}, in file order. */
export const LINEAGE_COLUMNS = [
  "parent",
  "group",
  "workflow",
  "campaign",
  "scope",
  "activity",
  "status",
  "hostname",
  "started",
  "ended",
  "idOff",
  "idBytes",
  "idSorted",
  "childOff",
  "child",
  "memberOff",
  "member",
  "valOff",
  "valHi",
  "valLo",
  "valRole",
  "valKey",
  "valTask",
  "gen",
  "use",
] as const satisfies readonly (keyof LineageColumns)[];

export const ROLE_USED = 1;
export const ROLE_GENERATED = 2;

/** A value occurrence found in the posting lists. */
export interface ValuePosting {
  task: number;
  role: typeof ROLE_USED | typeof ROLE_GENERATED;
  /** Key path (string number). */
  key: number;
}

/** The 64-bit content key of a value: the first 16 hex digits of its identity. */
export function contentKey(valueId: string): [hi: number, lo: number] {
  return [parseInt(valueId.slice(0, 8), 16) >>> 0, parseInt(valueId.slice(8, 16), 16) >>> 0];
}

/** Time a producer's value became available: its end, else its start, else before everything. */
export function producerTime(started: number, ended: number): number {
  return !Number.isNaN(ended) ? ended : !Number.isNaN(started) ? started : -Infinity;
}

/** Time a consumer needed its value: its start, else its end, else after everything. */
export function consumerTime(started: number, ended: number): number {
  return !Number.isNaN(started) ? started : !Number.isNaN(ended) ? ended : Infinity;
}

const decoder = new TextDecoder();

/** The lineage index: queries over {@link LineageColumns}. */
export class LineageIndex {
  /** Number of tasks. */
  readonly size: number;

  constructor(
    readonly columns: LineageColumns,
    /** Workflow ids, campaign ids, scopes, activity names, statuses, host names and key paths, by number. */
    readonly strings: readonly string[],
    readonly rule: LineageRule,
  ) {
    this.size = columns.parent.length;
  }

  /** The id of task `i`. */
  taskId(i: number): string {
    const c = this.columns;
    return decoder.decode(c.idBytes.subarray(c.idOff[i]!, c.idOff[i + 1]!));
  }

  /** The task numbered for `taskId`, or -1. */
  findTask(taskId: string): number {
    const sorted = this.columns.idSorted;
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = sorted[mid]!;
      const id = this.taskId(t);
      if (id === taskId) return t;
      if (id < taskId) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private readonly keyNames = new Map<number, string>();

  /** The last key name of key path number `n` (what the `sameKey` rule compares). */
  keyNameOf(n: number): string {
    let name = this.keyNames.get(n);
    if (name === undefined) this.keyNames.set(n, (name = keyName(this.strings[n] ?? "")));
    return name;
  }

  /**
   * Tasks whose id begins or ends with `fragment` (at most `limit`), for
   * ids given in part: a task id's end (its span id) is what tells tasks of
   * one workflow apart.
   */
  matchTasks(fragment: string, limit: number): number[] {
    const c = this.columns;
    const bytes = Buffer.from(c.idBytes.buffer, c.idBytes.byteOffset, c.idBytes.byteLength);
    const want = Buffer.from(fragment);
    const out: number[] = [];
    if (!want.length) return out;
    for (let at = bytes.indexOf(want); at !== -1 && out.length < limit; at = bytes.indexOf(want, at + 1)) {
      // The task whose id holds byte `at`.
      let a = 0;
      let b = this.size - 1;
      while (a < b) {
        const mid = (a + b + 1) >>> 1;
        if (c.idOff[mid]! <= at) a = mid;
        else b = mid - 1;
      }
      const from = c.idOff[a]!;
      const to = c.idOff[a + 1]!;
      if ((at === from || at + want.length === to) && !out.includes(a)) out.push(a);
    }
    return out;
  }

  /** A string of the table, or undefined for -1. */
  string(n: number): string | undefined {
    return n < 0 ? undefined : this.strings[n];
  }

  /** The tasks whose workflow id is `workflowId`. */
  tasksOfWorkflow(workflowId: string): number[] {
    const n = this.strings.indexOf(workflowId);
    const out: number[] = [];
    if (n < 0) return out;
    const wf = this.columns.workflow;
    for (let i = 0; i < wf.length; i++) if (wf[i] === n) out.push(i);
    return out;
  }

  /** Children of task `i` (tasks whose parent it is). */
  children(i: number): Int32Array {
    const c = this.columns;
    return c.child.subarray(c.childOff[i]!, c.childOff[i + 1]!);
  }

  /** Iterations of loop task `i` (tasks whose `group_id` it is). */
  members(i: number): Int32Array {
    const c = this.columns;
    return c.member.subarray(c.memberOff[i]!, c.memberOff[i + 1]!);
  }

  /** Numbers of task `i`'s value entries (in the `val*` columns). */
  valueRange(i: number): [from: number, to: number] {
    const c = this.columns;
    return [c.valOff[i]!, c.valOff[i + 1]!];
  }

  /** Time a producer's entry became available, and a consumer's was needed. */
  private timeOf(entry: number, role: number): number {
    const c = this.columns;
    const t = c.valTask[entry]!;
    return role === ROLE_GENERATED ? producerTime(c.started[t]!, c.ended[t]!) : consumerTime(c.started[t]!, c.ended[t]!);
  }

  /** The postings [from, to) of `list` with content (hi, lo), in `scope` unless it is null. */
  private range(list: Int32Array, hi: number, lo: number, scope: number | null): [number, number] {
    const c = this.columns;
    const cmp = (p: number): number => {
      const e = list[p]!;
      const h = c.valHi[e]!;
      if (h !== hi) return h < hi ? -1 : 1;
      const l = c.valLo[e]!;
      if (l !== lo) return l < lo ? -1 : 1;
      if (scope === null) return 0;
      const s = c.scope[c.valTask[e]!]!;
      return s === scope ? 0 : s < scope ? -1 : 1;
    };
    let a = 0;
    let b = list.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (cmp(mid) < 0) a = mid + 1;
      else b = mid;
    }
    const from = a;
    b = list.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (cmp(mid) <= 0) a = mid + 1;
      else b = mid;
    }
    return [from, a];
  }

  /** First position in [from, to) of `list` whose time is > t (or ≥ t with `strict` false). */
  private timeBound(list: Int32Array, role: number, from: number, to: number, t: number, strict: boolean): number {
    let a = from;
    let b = to;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const time = this.timeOf(list[mid]!, role);
      if (strict ? time <= t : time < t) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  /**
   * The producers a task used value entry `v` from: in the task's scope, the
   * other tasks that generated the same content with the latest time at or
   * before the task's start, give or take the rule's clock tolerance (all of
   * them on a tie).
   */
  producersOf(task: number, v: number): number[] {
    const c = this.columns;
    const key = this.rule.sameKey ? this.keyNameOf(c.valKey[v]!) : undefined;
    const t = consumerTime(c.started[task]!, c.ended[task]!) + this.rule.clockTolerance;
    const [from, to] = this.range(c.gen, c.valHi[v]!, c.valLo[v]!, c.scope[task]!);
    const last = this.timeBound(c.gen, ROLE_GENERATED, from, to, t, true);
    const out: number[] = [];
    let best = NaN;
    let ancestors: Set<number> | undefined;
    for (let p = last - 1; p >= from; p--) {
      const e = c.gen[p]!;
      const time = this.timeOf(e, ROLE_GENERATED);
      if (out.length && time !== best) break;
      const producer = c.valTask[e]!;
      if (producer === task || (key !== undefined && this.keyNameOf(c.valKey[e]!) !== key)) continue;
      // A parent or loop was still running when its descendant started: what it generated came after.
      if ((ancestors ??= this.ancestors(task)).has(producer)) continue;
      if (!out.length) best = time;
      if (!out.includes(producer)) out.push(producer);
    }
    return out;
  }

  /** Task `t`'s parents and loops, and theirs, up the tree. */
  ancestors(t: number): Set<number> {
    const c = this.columns;
    const out = new Set<number>();
    const todo = [t];
    while (todo.length && out.size < 10_000) {
      const x = todo.pop()!;
      for (const up of [c.parent[x]!, c.group[x]!]) {
        if (up >= 0 && up !== t && !out.has(up)) {
          out.add(up);
          todo.push(up);
        }
      }
    }
    return out;
  }

  /**
   * The consumers of generated value entry `v` of task `task`: the tasks of
   * its scope that used the same content and whose producer (by
   * {@link producersOf}) it is.
   */
  consumersOf(task: number, v: number): number[] {
    const c = this.columns;
    const hi = c.valHi[v]!;
    const lo = c.valLo[v]!;
    const scope = c.scope[task]!;
    const t = producerTime(c.started[task]!, c.ended[task]!);
    // Consumers starting at or after t, before the next other producer (unless keys must match).
    let until = Infinity;
    if (!this.rule.sameKey) {
      const [gFrom, gTo] = this.range(c.gen, hi, lo, scope);
      for (let p = this.timeBound(c.gen, ROLE_GENERATED, gFrom, gTo, t, true); p < gTo; p++) {
        if (c.valTask[c.gen[p]!] !== task) {
          until = this.timeOf(c.gen[p]!, ROLE_GENERATED);
          break;
        }
      }
    }
    const [from, to] = this.range(c.use, hi, lo, scope);
    const out = new Set<number>();
    const tol = this.rule.clockTolerance;
    for (let u = this.timeBound(c.use, ROLE_USED, from, to, t - tol, false); u < to && this.timeOf(c.use[u]!, ROLE_USED) <= until + tol; u++) {
      const consumer = c.valTask[c.use[u]!]!;
      if (consumer === task || out.has(consumer)) continue;
      if (this.usesFrom(consumer, hi, lo, task)) out.add(consumer);
    }
    return [...out];
  }

  /** Whether `consumer` used content (hi, lo) from `producer`. */
  private usesFrom(consumer: number, hi: number, lo: number, producer: number): boolean {
    const c = this.columns;
    const [from, to] = this.valueRange(consumer);
    for (let v = from; v < to; v++) {
      if (c.valRole[v] !== ROLE_USED || c.valHi[v] !== hi || c.valLo[v] !== lo) continue;
      if (this.producersOf(consumer, v).includes(producer)) return true;
    }
    return false;
  }

  /** Every occurrence of content (hi, lo), in every scope. */
  postingsOf(hi: number, lo: number): ValuePosting[] {
    const c = this.columns;
    const out: ValuePosting[] = [];
    for (const [list, role] of [
      [c.gen, ROLE_GENERATED],
      [c.use, ROLE_USED],
    ] as const) {
      const [from, to] = this.range(list, hi, lo, null);
      for (let p = from; p < to; p++) out.push({ task: c.valTask[list[p]!]!, role, key: c.valKey[list[p]!]! });
    }
    return out;
  }
}

