import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBufferFile } from "../../exporters/jsonl/buffer-file.js";
import type { FlowceptRecord, TaskRecord, WorkflowRecord } from "../../lib/records/records.js";
import { configure, resetSettings } from "../../lib/settings/settings-loader.js";
import type { SettingsOverrides } from "../../lib/settings/settings.js";
import { flushAllSinks } from "../../lib/pipeline/record-sink.js";

/** A private local store for one test: a temp buffer file configured as the default path. */
export interface TempStore {
  dir: string;
  path: string;
  /** Flushes every Flowcept processor, then reads the file (merged). */
  read(): Promise<FlowceptRecord[]>;
  /** Flushes every Flowcept processor, then reads the file as written (not merged). */
  readRaw(): Promise<FlowceptRecord[]>;
  tasks(): Promise<TaskRecord[]>;
  workflows(): Promise<WorkflowRecord[]>;
}

export async function flushAll(): Promise<void> {
  await flushAllSinks();
}

/** Registers mocha hooks giving each test of the suite its own store. */
export function useTempStore(extra: SettingsOverrides = {}): TempStore {
  const store = {} as TempStore;
  beforeEach(() => {
    store.dir = mkdtempSync(join(tmpdir(), "flowcept-test-"));
    store.path = join(store.dir, "flowcept_buffer.jsonl");
    resetSettings();
    configure({ ...extra, project: { ...(extra.project ?? {}), dump_buffer: { path: store.path, ...(extra.project?.dump_buffer ?? {}) } } });
  });
  afterEach(async () => {
    await flushAll();
    resetSettings();
    rmSync(store.dir, { recursive: true, force: true });
  });
  store.read = async () => {
    await flushAll();
    return readBufferFile(store.path);
  };
  store.readRaw = async () => {
    await flushAll();
    return readBufferFile(store.path, { merge: false });
  };
  store.tasks = async () => (await store.read()).filter((r): r is TaskRecord => r.type === "task");
  store.workflows = async () => (await store.read()).filter((r): r is WorkflowRecord => r.type === "workflow");
  return store;
}
