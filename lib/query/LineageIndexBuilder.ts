/**
 * Builds a {@link LineageIndex} from task records, one at a time: their ids,
 * parents, loops, times and — under the lineage rule — the content keys of
 * their non-trivial values. Records must be whole (a task's messages merged).
 */
import { LineageIndex, ROLE_GENERATED, ROLE_USED, consumerTime, contentKey, producerTime, type LineageColumns } from "./LineageIndex.js";
import { taskValues, type LineageRule } from "./lineage-rule.js";

/** The fields of a task record the index reads. */
export interface IndexableTask {
  task_id: string;
  workflow_id?: unknown;
  campaign_id?: unknown;
  parent_task_id?: unknown;
  group_id?: unknown;
  activity_id?: unknown;
  status?: unknown;
  hostname?: unknown;
  started_at?: unknown;
  ended_at?: unknown;
  used?: unknown;
  generated?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function time(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

/** Collects tasks, then {@link build}s the index. */
export class LineageIndexBuilder {
  private readonly ids: string[] = [];
  private readonly byId = new Map<string, number>();
  private readonly parentIds: (string | undefined)[] = [];
  private readonly groupIds: (string | undefined)[] = [];
  private readonly workflow: number[] = [];
  private readonly campaign: number[] = [];
  private readonly scope: number[] = [];
  private readonly activity: number[] = [];
  private readonly status: number[] = [];
  private readonly hostname: number[] = [];
  private readonly started: number[] = [];
  private readonly ended: number[] = [];
  private readonly valOff: number[] = [0];
  private readonly valHi: number[] = [];
  private readonly valLo: number[] = [];
  private readonly valRole: number[] = [];
  private readonly valKey: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringNo = new Map<string, number>();

  constructor(readonly rule: LineageRule) {}

  /** Number of tasks added. */
  get size(): number {
    return this.ids.length;
  }

  private intern(s: string | undefined): number {
    if (s === undefined) return -1;
    let n = this.stringNo.get(s);
    if (n === undefined) {
      n = this.strings.length;
      this.strings.push(s);
      this.stringNo.set(s, n);
    }
    return n;
  }

  /** Adds a task; returns its number. A task id added before is ignored (its first number is returned). */
  add(task: IndexableTask): number {
    const known = this.byId.get(task.task_id);
    if (known !== undefined) return known;
    const n = this.ids.length;
    this.ids.push(task.task_id);
    this.byId.set(task.task_id, n);
    this.parentIds.push(str(task.parent_task_id));
    this.groupIds.push(str(task.group_id));
    const workflowId = str(task.workflow_id);
    this.workflow.push(this.intern(workflowId));
    const campaignId = str(task.campaign_id);
    this.campaign.push(this.intern(campaignId));
    const scopeKey = this.rule.scope === "campaign" && campaignId ? `campaign:${campaignId}` : `workflow:${workflowId ?? ""}`;
    this.scope.push(this.intern(scopeKey));
    this.activity.push(this.intern(str(task.activity_id)));
    this.status.push(this.intern(str(task.status)));
    this.hostname.push(this.intern(str(task.hostname)));
    this.started.push(time(task.started_at));
    this.ended.push(time(task.ended_at));
    for (const v of taskValues(task, this.rule)) {
      const [hi, lo] = contentKey(v.id);
      this.valHi.push(hi);
      this.valLo.push(lo);
      this.valRole.push(v.role === "used" ? ROLE_USED : ROLE_GENERATED);
      this.valKey.push(this.intern(v.key));
    }
    this.valOff.push(this.valHi.length);
    return n;
  }

  /** The index of every task added. */
  build(): LineageIndex {
    const n = this.ids.length;
    const resolve = (ids: (string | undefined)[]): Int32Array => {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        const p = id === undefined ? undefined : this.byId.get(id);
        out[i] = p === undefined || p === i ? -1 : p;
      }
      return out;
    };
    const parent = resolve(this.parentIds);
    const group = resolve(this.groupIds);
    const [childOff, child] = inverse(parent);
    const [memberOff, member] = inverse(group);

    const encoder = new TextEncoder();
    const idOff = new Uint32Array(n + 1);
    const encoded = this.ids.map((id) => encoder.encode(id));
    for (let i = 0; i < n; i++) idOff[i + 1] = idOff[i]! + encoded[i]!.length;
    const idBytes = new Uint8Array(idOff[n]!);
    for (let i = 0; i < n; i++) idBytes.set(encoded[i]!, idOff[i]!);
    const ids = this.ids;
    const idSorted = Int32Array.from(ids.keys()).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));

    const started = Float64Array.from(this.started);
    const ended = Float64Array.from(this.ended);
    const scope = Int32Array.from(this.scope);
    const valOff = Uint32Array.from(this.valOff);
    const valHi = Uint32Array.from(this.valHi);
    const valLo = Uint32Array.from(this.valLo);
    const valRole = Uint8Array.from(this.valRole);
    const valKey = Int32Array.from(this.valKey);
    const valTask = new Int32Array(valHi.length);
    for (let i = 0; i < n; i++) valTask.fill(i, valOff[i]!, valOff[i + 1]!);

    const postings = (role: number, timeOf: (s: number, e: number) => number): Int32Array => {
      let count = 0;
      for (let v = 0; v < valRole.length; v++) if (valRole[v] === role) count++;
      const entries = new Int32Array(count);
      const times = new Float64Array(valRole.length);
      for (let v = 0, k = 0; v < valRole.length; v++) {
        if (valRole[v] !== role) continue;
        entries[k++] = v;
        times[v] = timeOf(started[valTask[v]!]!, ended[valTask[v]!]!);
      }
      sortByContent(entries, valHi, valLo, (a, b) => scope[valTask[a]!]! - scope[valTask[b]!]! || times[a]! - times[b]! || a - b);
      return entries;
    };

    const columns: LineageColumns = {
      parent,
      group,
      workflow: Int32Array.from(this.workflow),
      campaign: Int32Array.from(this.campaign),
      scope,
      activity: Int32Array.from(this.activity),
      status: Int32Array.from(this.status),
      hostname: Int32Array.from(this.hostname),
      started,
      ended,
      idOff,
      idBytes,
      idSorted,
      childOff,
      child,
      memberOff,
      member,
      valOff,
      valHi,
      valLo,
      valRole,
      valKey,
      valTask,
      gen: postings(ROLE_GENERATED, producerTime),
      use: postings(ROLE_USED, consumerTime),
    };
    return new LineageIndex(columns, [...this.strings], this.rule);
  }
}

/**
 * Sorts value entries by content (hi, lo) — a radix sort, 16 bits a pass,
 * as millions of entries make a comparison sort the slowest step of a build
 * — then each run of equal content by `then`.
 */
function sortByContent(entries: Int32Array<ArrayBuffer>, his: Uint32Array, los: Uint32Array, then: (a: number, b: number) => number): void {
  let src: Int32Array<ArrayBuffer> = entries;
  let dst = new Int32Array(entries.length);
  const count = new Uint32Array(65537);
  for (const [keys, shift] of [
    [los, 0],
    [los, 16],
    [his, 0],
    [his, 16],
  ] as const) {
    count.fill(0);
    for (let i = 0; i < src.length; i++) count[((keys[src[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let k = 0; k < 65536; k++) count[k + 1]! += count[k]!;
    for (let i = 0; i < src.length; i++) {
      const e = src[i]!;
      dst[count[(keys[e]! >>> shift) & 0xffff]!++] = e;
    }
    [src, dst] = [dst, src];
  }
  // Four passes leave the result in `entries` itself.
  for (let a = 0; a < src.length; ) {
    let b = a + 1;
    while (b < src.length && his[src[b]!] === his[src[a]!] && los[src[b]!] === los[src[a]!]) b++;
    if (b - a === 2) {
      if (then(src[a]!, src[a + 1]!) > 0) [src[a], src[a + 1]] = [src[a + 1]!, src[a]!];
    } else if (b - a > 2) src.subarray(a, b).sort(then);
    a = b;
  }
}

/** CSR of the inverse of a task → task map: for each task, the tasks pointing at it, in task order. */
function inverse(to: Int32Array): [Uint32Array, Int32Array] {
  const n = to.length;
  const off = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) if (to[i]! >= 0) off[to[i]! + 1]!++;
  for (let i = 0; i < n; i++) off[i + 1]! += off[i]!;
  const list = new Int32Array(off[n]!);
  const fill = off.slice(0, n);
  for (let i = 0; i < n; i++) if (to[i]! >= 0) list[fill[to[i]!]!++] = i;
  return [off, list];
}
