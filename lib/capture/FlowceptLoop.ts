import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { LoopBase, type LoopOptions } from "./LoopBase.js";
import type { LoopItems } from "./loop-items.js";
import { activeSink } from "../pipeline/record-sink.js";
import { CaptureSpan } from "./CaptureSpan.js";
import { addIoMirror } from "./io-mirror.js";
import { fieldJson, fieldObject } from "./task-binding.js";
import type { JsonObject } from "../records/records.js";
import { setGenerated } from "./task-span.js";
import { telemetrySnapshotJson } from "./task-telemetry.js";
import { taskIdOf } from "../records/ids.js";

/**
 * Instruments a loop (Flowcept's `FlowceptLoop`): each iteration is a task
 * `<loopName>_iteration` — an OTel span and a record streamed as the loop
 * runs — with `used: { i, <itemName>: item }`, `generated` from `endIter()`,
 * and telemetry at its end when enabled. The loop itself is a task (subtype
 * `loop`) whose id is the iterations' `group_id`.
 *
 * Iterates arrays, any sync or async iterable (`for await`), iterators and
 * integers (`new FlowceptLoop(5)` yields 0…4), without materialising them.
 */
export class FlowceptLoop<T = number> extends LoopBase<T> {
  private iterSpan: CaptureSpan | undefined;
  private generated: JsonObject | undefined;
  private readonly telemetry: boolean;

  constructor(items: LoopItems<T>, options: LoopOptions = {}) {
    super(items, options);
    this.telemetry = options.captureTelemetry ?? this.cfg.telemetry;
  }

  get currentIterationId(): string | undefined {
    const sc = this.iterSpan?.spanContext();
    return sc ? taskIdOf(sc.traceId, sc.spanId) : undefined;
  }

  endIter(values: Record<string, unknown>): void {
    if (!this.iterationOpen || values === null || typeof values !== "object") return;
    // Converted now: the record holds the values as they were at endIter.
    const g = fieldObject(values, this.cfg.limits);
    this.generated = this.generated ? { ...this.generated, ...g } : g;
  }

  protected openIteration(item: T): void {
    const attrs: Attributes = {
      [ATTR.TYPE]: SPAN_TYPE.TASK,
      [ATTR.USED]: fieldJson({ i: this.index, [this.itemName]: item }, this.cfg.limits),
      [ATTR.GROUP_ID]: this.groupId,
    };
    if (this.workflowId !== undefined) attrs[ATTR.WORKFLOW_ID] = this.workflowId;
    if (this.campaignId !== undefined) attrs[ATTR.CAMPAIGN_ID] = this.campaignId;
    if (this.options.parentTaskId !== undefined) attrs[ATTR.PARENT_TASK_ID] = this.options.parentTaskId;
    addIoMirror(attrs, "input", attrs[ATTR.USED] as string, this.cfg.ioMaxBytes);
    this.generated = undefined;
    this.iterSpan = new CaptureSpan(this.activityId, attrs, this.loopContext!, activeSink());
  }

  protected closeIteration(): void {
    const span = this.iterSpan;
    if (!span) return;
    this.iterSpan = undefined;
    if (this.generated !== undefined) setGenerated(span, JSON.stringify(this.generated));
    if (this.telemetry) {
      const t = telemetrySnapshotJson();
      if (t !== undefined) span.setAttribute(ATTR.TELEMETRY_AT_END, t);
    }
    span.setStatus({ code: SpanStatusCode.OK });
    span.end();
  }

  protected finishIterations(): void {
    // Each iteration was streamed when it ended.
  }
}
