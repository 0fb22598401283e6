import { diag } from "@opentelemetry/api";
import { FlowceptLightweightLoop } from "../../lib/capture/FlowceptLightweightLoop.js";
import { FlowceptLoop } from "../../lib/capture/FlowceptLoop.js";
import type { LoopBase } from "../../lib/capture/LoopBase.js";
import { errorMessage } from "../../lib/util/error-message.js";
import type { ModelCapture } from "./ModelCapture.js";

/** Marks the callback a `FitCapture` adds, so nested `fit` calls (Sequential's inner model) add none. */
export const FIT_CALLBACK: unique symbol = Symbol.for("flowcept-otel.tfjs.fit-callback") as never;

/** Activity of the epochs loop (Flowcept's `FlowceptEpochLoop`). */
export const EPOCHS_LOOP = "epochs_loop";

/** What `fit` was asked to do, as far as the loops need it. */
export interface FitPlan {
  epochs: number;
  initialEpoch: number;
  /** Batches per epoch, when known. */
  batches?: number;
}

function* counter(): Generator<number> {
  for (let i = 0; ; i++) yield i;
}

/** Epoch and batch logs as plain numbers (the TF.js callback path may hand over scalar tensors). */
function plainLogs(logs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (logs === null || typeof logs !== "object") return out;
  for (const [k, v] of Object.entries(logs as Record<string, unknown>)) {
    if (v !== null && typeof v === "object" && typeof (v as { dataSync?: unknown }).dataSync === "function") {
      try {
        out[k] = Number((v as { dataSync: () => ArrayLike<number> }).dataSync()[0]);
      } catch {
        out[k] = null;
      }
    } else out[k] = v;
  }
  return out;
}

/**
 * Training capture for one `fit` / `fitDataset` call, through a TF.js
 * callback: the epochs are an `epochs_loop` whose iterations (`used.epoch`,
 * `generated` = the epoch logs) are recorded every `capture_epochs_at_every`
 * epochs; with `batch_loop` on, each recorded epoch has a `train_batch` loop
 * of batch iterations (`generated` = the batch logs).
 */
export class FitCapture {
  private epochLoop: LoopBase<number> | undefined;
  private epochIt: Iterator<number> | undefined;
  private batchLoop: LoopBase<number> | undefined;
  private batchIt: Iterator<number> | undefined;
  private readonly every: number;

  constructor(
    private readonly cap: ModelCapture,
    private readonly plan: FitPlan,
  ) {
    const s = cap.settings;
    this.every = s.capture_epochs_at_every;
    if (s.epoch_loop === null) return;
    try {
      cap.ensureRegistered();
      const epochs: number[] = [];
      for (let e = Math.max(0, plan.initialEpoch); e < plan.epochs; e++) if (e % this.every === 0) epochs.push(e);
      const Loop = s.epoch_loop === "lightweight" ? FlowceptLightweightLoop : FlowceptLoop;
      this.epochLoop = new Loop<number>(epochs, { loopName: EPOCHS_LOOP, itemName: "epoch", workflowId: cap.workflowId });
      this.epochIt = this.epochLoop[Symbol.iterator]();
    } catch (err) {
      diag.error(`flowcept: epochs of ${cap.activityId} not captured: ${errorMessage(err)}`);
      this.epochLoop = undefined;
    }
  }

  private captured(epoch: number): boolean {
    return epoch % this.every === 0;
  }

  private guard(what: string, f: () => void): void {
    try {
      f();
    } catch (err) {
      diag.error(`flowcept: ${what} of ${this.cap.activityId} not captured: ${errorMessage(err)}`);
    }
  }

  onEpochBegin(epoch: number): void {
    this.cap.epoch = epoch;
    if (!this.epochIt || !this.captured(epoch)) return;
    this.guard("epoch", () => {
      this.epochIt!.next();
      const mode = this.cap.settings.batch_loop;
      if (mode === null) return;
      const Loop = mode === "lightweight" ? FlowceptLightweightLoop : FlowceptLoop;
      const items = this.plan.batches !== undefined ? this.plan.batches : counter();
      this.batchLoop = new Loop<number>(items as Iterable<number>, { loopName: "train_batch", itemName: "batch", parentTaskId: this.epochLoop!.currentIterationId, workflowId: this.cap.workflowId });
      this.batchIt = this.batchLoop[Symbol.iterator]();
    });
  }

  onBatchBegin(): void {
    if (this.batchIt) this.guard("batch", () => this.batchIt!.next());
  }

  onBatchEnd(logs: unknown): void {
    if (this.batchLoop) this.guard("batch", () => this.batchLoop!.endIter(plainLogs(logs)));
  }

  onEpochEnd(epoch: number, logs: unknown): void {
    this.guard("epoch", () => {
      this.endBatches();
      if (this.epochLoop && this.captured(epoch)) this.epochLoop.endIter(plainLogs(logs));
    });
  }

  private endBatches(): void {
    this.batchLoop?.end();
    this.batchLoop = undefined;
    this.batchIt = undefined;
  }

  /** Ends the loops (training finished, stopped early, or failed). Idempotent. */
  close(): void {
    this.guard("training", () => {
      this.endBatches();
      this.epochLoop?.end();
      this.epochLoop = undefined;
      this.epochIt = undefined;
    });
    this.cap.epoch = -1;
  }

  /**
   * The TF.js callback: a callback config (`CustomCallbackArgs`), or with
   * `asObject` a duck-typed callback object to go next to `BaseCallback`
   * instances (TF.js then calls every method itself).
   */
  callback(asObject: boolean): Record<string | symbol, unknown> {
    const self = this;
    const cb: Record<string | symbol, unknown> = {
      [FIT_CALLBACK]: true,
      validationData: null,
      params: {},
      setParams(this: { params: unknown }, params: unknown) {
        this.params = params;
      },
      setModel() {},
      async onTrainBegin() {},
      async onTrainEnd() {
        self.close();
      },
      async onEpochBegin(epoch: number) {
        self.onEpochBegin(epoch);
      },
      async onEpochEnd(epoch: number, logs?: unknown) {
        self.onEpochEnd(epoch, logs);
      },
    };
    if (asObject) {
      cb.onBatchBegin = async () => undefined;
      cb.onBatchEnd = async () => undefined;
    }
    // Batch handlers only when batches are recorded: TF.js reads each batch's logs for a callback that has them.
    if (this.cap.settings.batch_loop !== null && this.epochLoop !== undefined) {
      cb.onBatchBegin = async () => self.onBatchBegin();
      cb.onBatchEnd = async (_batch: number, logs?: unknown) => self.onBatchEnd(logs);
    }
    return cb;
  }
}

/** Whether `fit` arguments already carry a Flowcept callback. */
export function hasFitCallback(callbacks: unknown): boolean {
  const list = Array.isArray(callbacks) ? callbacks : [callbacks];
  return list.some((c) => c !== null && typeof c === "object" && (c as Record<symbol, unknown>)[FIT_CALLBACK] === true);
}
