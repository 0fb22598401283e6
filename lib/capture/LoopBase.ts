import { diag, SpanStatusCode, type Attributes, type Context } from "@opentelemetry/api";
import type { CaptureSpan } from "./CaptureSpan.js";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { captureConfig, type CaptureConfig } from "./capture-config.js";
import { loopSource, type LoopItems, type LoopSource } from "./loop-items.js";
import { setGenerated, startTaskSpan } from "./task-span.js";
import type { WorkflowScope } from "../context/workflow-scope.js";
import { activeSink } from "../pipeline/record-sink.js";
import { taskScope } from "../context/current-scope.js";
import { errorMessage } from "../util/error-message.js";
import { taskIdOf } from "../records/ids.js";

/** Options of {@link FlowceptLoop} and {@link FlowceptLightweightLoop} (Flowcept's, in camelCase). */
export interface LoopOptions {
  /** Default `"loop"`; iterations are tasks named `<loopName>_iteration`. */
  loopName?: string | undefined;
  /** Key of the item in each iteration's `used`. Default `"item"`. */
  itemName?: string | undefined;
  /** Parent task of the loop and its iterations. Default: the task running in the current context. */
  parentTaskId?: string | undefined;
  /** Overrides the current workflow. */
  workflowId?: string | undefined;
  /** Number of items, when `items` is an iterator that cannot tell. */
  itemsLength?: number | undefined;
  /** Telemetry at the end of each iteration (FlowceptLoop only). Default: from settings. */
  captureTelemetry?: boolean | undefined;
  /** False makes the loop a plain iteration. Default true. */
  captureEnabled?: boolean | undefined;
}

/**
 * The iteration protocol shared by both loops: iteration `i` starts when
 * `next()` hands out item `i` and ends at the following `next()`, at the end
 * of the items, or when the loop is left early (`break`, `return`, an
 * exception in the body) — the iterations that ran are always kept,
 * including the current one.
 */
export abstract class LoopBase<T> implements Iterable<T>, AsyncIterable<T> {
  protected readonly loopName: string;
  protected readonly itemName: string;
  protected readonly activityId: string;
  protected readonly options: LoopOptions;
  protected readonly cfg: CaptureConfig;
  private readonly source: LoopSource<T>;
  protected enabled: boolean;
  /** Index of the current iteration (-1 before the first). */
  protected index = -1;
  protected iterationOpen = false;
  protected loopSpan: CaptureSpan | undefined;
  protected loopContext: Context | undefined;
  protected scope: WorkflowScope | undefined;
  /** The loop task's id: the `group_id` of its iterations. */
  protected groupId = "";
  protected workflowId: string | undefined;
  protected campaignId: string | undefined;
  private finished = false;

  constructor(items: LoopItems<T>, options: LoopOptions = {}) {
    this.options = options;
    this.loopName = options.loopName ?? "loop";
    this.itemName = options.itemName ?? "item";
    this.activityId = `${this.loopName}_iteration`;
    this.source = loopSource(items, options.itemsLength);
    this.cfg = captureConfig();
    const wanted = options.captureEnabled !== false && this.cfg.enabled;
    // Outside any workflow, the first loop starts the process's implicit one (and the pipeline it records to).
    if (wanted) taskScope();
    this.enabled = wanted && activeSink() !== undefined;
  }

  /** Number of items when known. */
  get length(): number | undefined {
    return this.source.length;
  }

  /** Id of the iteration task under way, if any. */
  abstract get currentIterationId(): string | undefined;

  /** Records values produced in the current iteration (its `generated`). */
  abstract endIter(values: Record<string, unknown>): void;

  protected abstract openIteration(item: T): void;
  protected abstract closeIteration(): void;
  protected abstract finishIterations(): void;

  private startLoop(): void {
    this.index = -1;
    this.iterationOpen = false;
    this.finished = false;
    try {
      const used: Record<string, unknown> = { item_name: this.itemName };
      if (this.source.length !== undefined) used.items_length = this.source.length;
      const attrs: Attributes = { [ATTR.TYPE]: SPAN_TYPE.LOOP, [ATTR.USED]: JSON.stringify(used) };
      if (this.options.parentTaskId !== undefined) attrs[ATTR.PARENT_TASK_ID] = this.options.parentTaskId;
      const started = startTaskSpan(this.loopName, attrs, false, this.options.workflowId);
      this.loopSpan = started.span;
      this.loopContext = started.context;
      this.scope = started.scope;
      this.workflowId = attrs[ATTR.WORKFLOW_ID] as string | undefined;
      this.campaignId = attrs[ATTR.CAMPAIGN_ID] as string | undefined;
      const sc = started.span.spanContext();
      this.groupId = taskIdOf(sc.traceId, sc.spanId);
    } catch (err) {
      diag.error(`flowcept: loop ${this.loopName} not captured: ${errorMessage(err)}`);
      this.enabled = false;
    }
  }

  private step(r: IteratorResult<T>): IteratorResult<T> {
    if (!this.enabled) return r;
    try {
      if (this.iterationOpen) this.closeIteration();
      this.iterationOpen = false;
      if (r.done) this.finish(true);
      else {
        this.index++;
        this.openIteration(r.value);
        this.iterationOpen = true;
      }
    } catch (err) {
      diag.error(`flowcept: loop ${this.loopName} iteration not captured: ${errorMessage(err)}`);
    }
    return r;
  }

  private leave(): void {
    if (!this.enabled) return;
    try {
      if (this.iterationOpen) this.closeIteration();
      this.iterationOpen = false;
      this.finish(false);
    } catch (err) {
      diag.error(`flowcept: loop ${this.loopName} not closed cleanly: ${errorMessage(err)}`);
    }
  }

  /** Ends the loop now (for loops driven by hand and left before their end). Idempotent. */
  end(): void {
    this.leave();
  }

  private finish(completed: boolean): void {
    if (this.finished || !this.loopSpan) return;
    this.finished = true;
    this.finishIterations();
    const span = this.loopSpan;
    span.setAttribute(ATTR.COUNT, this.index + 1);
    setGenerated(span, JSON.stringify({ iterations: this.index + 1, completed }));
    span.setStatus({ code: SpanStatusCode.OK });
    span.end();
  }

  /** Iterates the items synchronously (`for … of`), recording each iteration. */
  [Symbol.iterator](): Iterator<T> {
    if (!this.source.sync) throw new TypeError("FlowceptLoop: these items are async; use `for await`");
    const it = this.source.sync();
    if (!this.enabled) return it;
    this.startLoop();
    const self = this;
    return {
      next(): IteratorResult<T> {
        let r: IteratorResult<T>;
        try {
          r = it.next();
        } catch (err) {
          self.leave();
          throw err;
        }
        return self.step(r);
      },
      return(value?: unknown): IteratorResult<T> {
        self.leave();
        return it.return ? it.return(value) : { done: true, value: value as T };
      },
    };
  }

  /** Iterates the items asynchronously (`for await … of`), recording each iteration. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const src = this.source;
    const it: AsyncIterator<T> | Iterator<T> = src.async ? src.async() : src.sync!();
    if (!this.enabled) return toAsync(it);
    this.startLoop();
    const self = this;
    return {
      async next(): Promise<IteratorResult<T>> {
        let r: IteratorResult<T>;
        try {
          r = await it.next();
        } catch (err) {
          self.leave();
          throw err;
        }
        return self.step(r);
      },
      async return(value?: unknown): Promise<IteratorResult<T>> {
        self.leave();
        return it.return ? await it.return(value) : { done: true, value: value as T };
      },
    };
  }

  /** The parent task id iterations record: the one given, else the loop task. */
  protected iterationParent(): string {
    return this.options.parentTaskId ?? this.groupId;
  }
}

function toAsync<T>(it: AsyncIterator<T> | Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => await it.next(),
    return: async (value?: unknown) => (it.return ? await it.return(value) : { done: true, value: value as T }),
  };
}
