/**
 * The integration app (children/pipeline-app.ts) and the records it leaves:
 * run it against a collector, then read its own store and the ingest
 * service's store.
 */
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { DIST } from "../../support/paths.js";
import { PeerProcess } from "./PeerProcess.js";

const APP = join(DIST, "test", "integration", "children", "pipeline-app.js");

/** A started app: its process and the workflow id it printed. */
export interface App {
  process: PeerProcess;
  /** The local store the app writes in-process. */
  store: string;
  workflowId(): Promise<string>;
  /** Resolves when the app printed `done` and exited 0. */
  finished(): Promise<void>;
}

/** Starts the app exporting OTLP/HTTP to `collectorUrl` (undefined: no export); `env` adds APP_MODE and the like. */
export function startApp(dir: string, collectorUrl: string | undefined, env: Record<string, string> = {}): App {
  const store = join(dir, "app_buffer.jsonl");
  const process = PeerProcess.start({
    name: "app",
    command: globalThis.process.execPath,
    args: [APP],
    cwd: dir,
    logFile: join(dir, "app.log"),
    env: {
      HOME: dir,
      FLOWCEPT_SETTINGS_PATH: "",
      BUFFER_PATH: store,
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_SERVICE_NAME: "flowcept-otel-integration",
      // Export every 200 ms instead of 5 s: the tests wait less.
      OTEL_BSP_SCHEDULE_DELAY: "200",
      ...env,
    },
  });
  return {
    process,
    store,
    workflowId: async () => (await process.waitForOutput(/^workflow ([0-9a-f-]{36})$/m, 60_000))[1]!,
    finished: async () => {
      const code = await process.exited;
      if (code !== 0 || !/^done$/m.test(process.output())) throw new Error(`app exited with ${code}: ${process.tail()}`);
    },
  };
}

/** The key a record is stored under (`task:<id>`, `workflow:<id>`). */
export function recordId(r: FlowceptRecord): string {
  return r.type === "workflow" ? `workflow:${String(r.workflow_id)}` : `${r.type}:${String(r.task_id)}`;
}

/** A store's records of one workflow, merged by id (as readers see them). */
export function workflowRecords(store: string, workflowId: string): Map<string, FlowceptRecord> {
  const out = new Map<string, FlowceptRecord>();
  for (const r of readBufferFile(store)) if (r.workflow_id === workflowId) out.set(recordId(r), r);
  return out;
}

/** How many lines of a store hold each record id of one workflow (as written, not merged). */
export function lineCounts(store: string, workflowId: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of readBufferFile(store, { merge: false })) {
    if (r.workflow_id !== workflowId) continue;
    const id = recordId(r);
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}
