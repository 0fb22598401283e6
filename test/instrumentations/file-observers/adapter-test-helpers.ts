import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diag, DiagLogLevel, type DiagLogger } from "@opentelemetry/api";
import type { TaskRecord } from "../../../lib/records/records.js";
import { maskedCrc32c } from "../../../instrumentations/file-observers/tensorboard/tfrecord-reader.js";
import { tensorBoardTypes } from "../../../instrumentations/file-observers/tensorboard/tensorboard-proto.js";
import { FIXTURES } from "../../support/paths.js";

/** The fixtures folder of the source tree (tests run from dist/). */
export { FIXTURES };

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

const temps: string[] = [];

/** A fresh temporary directory, removed by {@link removeTemps}. */
export function tempDir(prefix = "fc-adapters-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.mode | 0o200);
  if (st.isDirectory()) for (const e of readdirSync(path)) makeWritable(join(path, e));
}

/** Copies a fixture (file or folder) into a new temporary directory; returns the copy's path. */
export function copyFixture(rel: string, name?: string): string {
  const dest = join(tempDir(), name ?? rel.split("/").pop()!);
  cpSync(fixture(rel), dest, { recursive: true });
  makeWritable(dest);
  return dest;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A sink that keeps what it gets. */
export function collector(): { records: TaskRecord[]; batches: number; sink: (r: TaskRecord[]) => void } {
  const c = {
    records: [] as TaskRecord[],
    batches: 0,
    sink: (r: TaskRecord[]) => {
      c.batches++;
      c.records.push(...r);
    },
  };
  return c;
}

/** Polls `cond` until it holds; fails after `timeoutMs` (a bound, not a timing assertion). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Collects `diag` warnings and errors while a test runs. */
export function captureDiag(): { messages: string[]; restore(): void } {
  const messages: string[] = [];
  const push = (msg: string) => messages.push(msg);
  const logger: DiagLogger = { error: push, warn: push, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

/** Frames payloads as TFRecords. */
export function frameRecords(payloads: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of payloads) {
    const header = Buffer.alloc(12);
    header.writeUInt32LE(p.length, 0);
    header.writeUInt32LE(0, 4);
    header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
    const footer = Buffer.alloc(4);
    footer.writeUInt32LE(maskedCrc32c(p), 0);
    parts.push(header, Buffer.from(p), footer);
  }
  return Buffer.concat(parts);
}

/** Encodes `tensorflow.Event` objects (protobufjs object form) as an event file's bytes. */
export function eventFileBytes(events: Array<Record<string, unknown>>): Buffer {
  const { Event } = tensorBoardTypes();
  return frameRecords(events.map((e) => Event.encode(Event.fromObject(e)).finish()));
}

/** The `plugin_data.content` of an hparams summary. */
export function hparamsContent(data: Record<string, unknown>): Uint8Array {
  const { HParamsPluginData } = tensorBoardTypes();
  return HParamsPluginData.encode(HParamsPluginData.fromObject(data)).finish();
}

/** Offsets at which each TFRecord of a buffer starts. */
export function recordOffsets(buf: Uint8Array): number[] {
  const out: number[] = [];
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos + 12 <= view.length) {
    out.push(pos);
    pos += 16 + view.readUInt32LE(pos);
  }
  return out;
}
