import { diag } from "@opentelemetry/api";
import { nowSeconds } from "../records/clock.js";
import { HOSTNAME } from "../process/host-info.js";
import { toJsonSafe } from "../records/json-safe.js";
import { fieldObject } from "./task-binding.js";
import { LoopBase, type LoopOptions } from "./LoopBase.js";
import type { LoopItems } from "./loop-items.js";
import { Status, type TaskRecord } from "../records/records.js";
import { activeSink } from "../pipeline/record-sink.js";
import { taskRecord } from "../records/task-record.js";

/**
 * Iteration records published together: bounded memory for loops of any
 * length, and records short-lived enough to stay in the young generation.
 */
const PUBLISH_BATCH = 512;

/**
 * Instruments a loop at the lowest cost (Flowcept's `FlowceptLightweightLoop`):
 * the same surface and iteration records as {@link FlowceptLoop}, but no span
 * per iteration and no telemetry. Records are published in batches of 512
 * iterations (one batch for shorter loops) and the trace path gets a single
 * span for the whole loop, carrying the iteration count.
 */
export class FlowceptLightweightLoop<T = number> extends LoopBase<T> {
  private current: TaskRecord | undefined;
  private pending: TaskRecord[] = [];
  /** The clock read that ended the previous iteration: the next one starts then (one read per step). */
  private lastEnd: number | undefined;

  constructor(items: LoopItems<T>, options: LoopOptions = {}) {
    super(items, options);
  }

  get currentIterationId(): string | undefined {
    return this.current?.task_id;
  }

  endIter(values: Record<string, unknown>): void {
    const cur = this.current;
    if (cur === undefined || values === null || typeof values !== "object") return;
    // Converted now: the record holds the values as they were at endIter.
    const g = fieldObject(values, this.cfg.limits);
    cur.generated = cur.generated ? { ...cur.generated, ...g } : g;
  }

  protected openIteration(item: T): void {
    const now = this.lastEnd ?? nowSeconds();
    this.lastEnd = undefined;
    const limits = this.cfg.limits;
    this.current = taskRecord({
      task_id: `${this.groupId}_${this.index}`,
      workflow_id: this.workflowId,
      campaign_id: this.campaignId,
      activity_id: this.activityId,
      used: { i: this.index, [this.itemName]: typeof item === "number" && Number.isFinite(item) ? item : toJsonSafe(item, limits) },
      started_at: now,
      status: Status.FINISHED,
      group_id: this.groupId,
      parent_task_id: this.iterationParent(),
      hostname: HOSTNAME,
    });
  }

  protected closeIteration(): void {
    const rec = this.current;
    if (rec === undefined) return;
    this.current = undefined;
    const now = nowSeconds();
    this.lastEnd = now;
    rec.ended_at = now;
    rec.utc_timestamp = now;
    this.pending.push(rec);
    if (this.pending.length >= PUBLISH_BATCH) this.publish();
  }

  protected finishIterations(): void {
    this.lastEnd = undefined;
    this.publish();
  }

  private publish(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const sink = activeSink();
    if (sink) sink.emit(batch);
    else diag.warn(`flowcept: no Flowcept processor; ${batch.length} iterations of ${this.loopName} not recorded`);
  }
}
