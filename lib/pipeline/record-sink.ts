/**
 * The process-wide state of the provenance pipelines: which are live, which
 * one receives the records that have no span of their own (lightweight tasks
 * and loops, workflow start messages, adapters, agents), and which workflows
 * keep their records local (`startPersistence: false`). One small module
 * with one accessor, as OTel keeps its global state.
 */
import type { RawRecord } from "../records/RawJson.js";
import type { SpanData } from "./span-data.js";

/** What the rest of the package needs from a pipeline. */
export interface RecordSink {
  /** Takes records into the pipeline (they follow the same path as span records). */
  emit(records: RawRecord | readonly RawRecord[]): void;
  /** A span of the capture API started: recorded as interrupted if the process ends before it does. */
  spanStarted(span: SpanData): void;
  /** A span of the capture API ended: its record follows. */
  spanEnded(span: SpanData): void;
  /** Resolves when every record so far is durable (bounded by `timeoutMillis`). */
  forceFlush(timeoutMillis?: number): Promise<void>;
}

const live: RecordSink[] = [];
let capture: RecordSink | undefined;
const localOnly = new Set<string>();

/** Adds a pipeline to the live ones (called by the pipeline itself). */
export function addSink(sink: RecordSink): void {
  live.push(sink);
}

/** Removes a pipeline that shut down. */
export function removeSink(sink: RecordSink): void {
  const i = live.indexOf(sink);
  if (i !== -1) live.splice(i, 1);
  if (capture === sink) capture = undefined;
}

/** Makes `sink` the one the capture API's spans and records go to. */
export function setCaptureSink(sink: RecordSink | undefined): void {
  capture = sink;
}

/** Where records without a span go: the capture sink, else the most recently created live pipeline. */
export function activeSink(): RecordSink | undefined {
  return capture ?? live[live.length - 1];
}

/** Whether `sink` is live. */
export function isLive(sink: RecordSink): boolean {
  return live.includes(sink);
}

/** Sends records to the active pipeline; false when there is none. */
export function emitRecords(records: RawRecord | readonly RawRecord[]): boolean {
  const sink = activeSink();
  if (sink === undefined) return false;
  sink.emit(records);
  return true;
}

/** Flushes every live pipeline. */
export async function flushAllSinks(timeoutMillis?: number): Promise<void> {
  await Promise.all(live.map((s) => s.forceFlush(timeoutMillis)));
}

/** Keeps a workflow's records in local exporters only (`startPersistence: false`), or lifts that. */
export function setLocalOnly(workflowId: string, on: boolean): void {
  if (on) localOnly.add(workflowId);
  else localOnly.delete(workflowId);
}

/** Whether any workflow is local-only (lets the common case skip the look-up). */
export function anyLocalOnly(): boolean {
  return localOnly.size > 0;
}

/** Whether `workflowId` keeps its records local. */
export function isLocalOnly(workflowId: unknown): boolean {
  return typeof workflowId === "string" && localOnly.has(workflowId);
}
