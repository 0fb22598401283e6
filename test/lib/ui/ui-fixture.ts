/** A small store for the UI's tests: two workflows, a dataflow chain, a loop, an error, telemetry. */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { LocalStoreFollower } from "../../../lib/ui/LocalStoreFollower.js";
import { UiServer, type UiServerOptions } from "../../../lib/ui/UiServer.js";

export const W1 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
export const W2 = "11111111-2222-4333-8444-555555555555";
export const CAMPAIGN = "camp-ui";
const T0 = 1_800_000_000;

function tel(cpu: number, mem: number): Record<string, unknown> {
  return { cpu: { percent_all: cpu }, memory: { virtual: { used: mem * 1024 ** 3 } } };
}

/** The fixture's records, as the local store holds them. */
export function fixtureRecords(): Record<string, unknown>[] {
  const task = (id: string, activity: string, start: number, end: number | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: "task",
    task_id: id,
    workflow_id: W1,
    campaign_id: CAMPAIGN,
    activity_id: activity,
    started_at: T0 + start,
    ...(end !== undefined ? { ended_at: T0 + end, status: "FINISHED" } : { status: "RUNNING" }),
    hostname: "node-a",
    ...extra,
  });
  return [
    { type: "workflow", workflow_id: W1, campaign_id: CAMPAIGN, name: "pipeline", status: "RUNNING", started_at: T0, user: "ana" },
    task("t-load", "load", 0, 1, { used: { url: "https://example.org/data.csv" }, generated: { path: "/data/raw.csv", rows: 5000 } }),
    task("t-train", "train", 1, 3, {
      used: { path: "/data/raw.csv", lr: 0.5 },
      generated: { model: "model-v1-weights.bin", loss: 0.125 },
      telemetry_at_start: tel(10, 2),
      telemetry_at_end: tel(90, 3),
    }),
    task("t-eval", "evaluate", 3, 4, { used: { model: "model-v1-weights.bin" }, status: "ERROR", stderr: "accuracy check failed: 0.42 < 0.9" }),
    task("t-loop", "epochs", 4, 7, { subtype: "loop", used: { items_length: 3 } }),
    ...[0, 1, 2].map((i) => task(`t-it${i}`, "epochs_iteration", 4 + i, 5 + i, { parent_task_id: "t-loop", used: { epoch: i }, generated: { loss: 1 / (i + 2) }, hostname: i === 2 ? "node-b" : "node-a" })),
    { type: "workflow", workflow_id: W1, status: "FINISHED", ended_at: T0 + 8 },
    { type: "workflow", workflow_id: W2, campaign_id: CAMPAIGN, name: "other run", status: "RUNNING", started_at: T0 + 100 },
    task("u-1", "prepare", 100, 101, { workflow_id: W2 }),
  ];
}

/** Lines of a JSONL store. */
export function jsonl(records: readonly Record<string, unknown>[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}

/** A temp store with the fixture and a UI server over it (loopback, ephemeral port). */
export interface UiFixture {
  dir: string;
  store: string;
  server: UiServer;
  base: string;
  append(records: readonly Record<string, unknown>[] | string): void;
  close(): Promise<void>;
}

export async function startUiFixture(options: Partial<UiServerOptions> = {}, records = fixtureRecords()): Promise<UiFixture> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-ui-"));
  const store = join(dir, "flowcept_buffer.jsonl");
  writeFileSync(store, jsonl(records));
  const server = new UiServer({ db: new FlowceptDb({ backend: new LocalQueryBackend({ path: store }) }), follower: new LocalStoreFollower({ path: store, intervalMillis: 50 }), port: 0, ...options });
  await server.start();
  await server.whenLoaded();
  return {
    dir,
    store,
    server,
    base: server.url,
    append: (r) => appendFileSync(store, typeof r === "string" ? r : jsonl(r)),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
