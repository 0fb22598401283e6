/**
 * `Flowcept.db.export(...)` and `flowcept-otel export`: a workflow in one of
 * the provenance standards — W3C PROV as PROV-JSON or PROV-O JSON-LD, a
 * Workflow Run RO-Crate (Provenance Run Crate profile, a directory or a zip)
 * or OpenLineage RunEvents (a JSONL file, or POSTed to a lineage endpoint).
 */
import { writeFileSync } from "node:fs";
import { LineageEndpoint } from "../../../exporters/openlineage/LineageEndpoint.js";
import type { LineageRule } from "../lineage-rule.js";
import { FlowceptQueryError } from "../query-types.js";
import { errorMessage } from "../../util/error-message.js";
import { exportInput, exportInputFromRecords, type ExportInput, type ExportSource } from "./export-input.js";
import { openLineageEvents } from "./openlineage-export.js";
import { provModel } from "./prov-model.js";
import { toProvJson } from "./prov-json.js";
import { toProvJsonLd } from "./prov-jsonld.js";
import { roCrate } from "./ro-crate.js";
import { writeCrateDirectory, writeCrateZip } from "./crate-writer.js";
import { writeThroughTemporary } from "./output-through-temporary.js";

/** The formats of {@link exportWorkflow}. */
export const EXPORT_FORMATS = ["prov-json", "prov-jsonld", "ro-crate", "openlineage"] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `Flowcept.db.export`. */
export interface ExportOptions {
  /** The workflow to export. */
  workflowId: string;
  format: ExportFormat;
  /**
   * Where to write: a file (PROV, OpenLineage JSONL), a directory or a
   * `.zip` file (RO-Crate). Without it the document is only returned (an
   * RO-Crate needs a path; OpenLineage events go to `url` when given).
   */
  out?: string | undefined;
  /** RO-Crate: write a zip file (default: when `out` ends with `.zip`). */
  zip?: boolean | undefined;
  /** OpenLineage: POST the events to this lineage endpoint (Marquez's `/api/v1/lineage`). */
  url?: string | undefined;
  /** OpenLineage: sent as a bearer token with each event. */
  apiKey?: string | undefined;
  /** OpenLineage: the job namespace. Default `flowcept`. */
  namespace?: string | undefined;
  /** OpenLineage: attempts after the first for each event. Default 5. */
  retries?: number | undefined;
  /** OpenLineage: time allowed for one request, ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** RO-Crate: the crate's license (a URL or a text). */
  license?: string | undefined;
  /** PROV and RO-Crate: values whose JSON is longer are given by size (PROV; default 65536) or as files (RO-Crate; default 4096). */
  maxInlineValueBytes?: number | undefined;
  /** The lineage rule that identifies values and finds the dataflow. */
  rule?: Partial<LineageRule> | undefined;
  /** Called for each event sent to `url`. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
}

/** What {@link exportWorkflow} made. */
export interface ExportResult {
  format: ExportFormat;
  workflow_id: string;
  /** The file or directory written, if any. */
  output: string | null;
  /** The endpoint the events were sent to, if any. */
  url: string | null;
  tasks: number;
  /** PROV: the document; OpenLineage: the events; RO-Crate: the metadata. */
  document: unknown;
  /** Counts of what the document holds (activities, entities, relations by kind; events; crate entities). */
  counts: Record<string, number>;
}

function writeText(path: string, text: string): Promise<string> {
  return writeThroughTemporary(path, (tmp) => writeFileSync(tmp, text, { flag: "wx" }));
}

function checkOptions(o: ExportOptions): void {
  if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw new FlowceptQueryError(`unknown export format ${JSON.stringify(o.format)}: ${EXPORT_FORMATS.join(", ")}`);
  if (typeof o.workflowId !== "string" || o.workflowId === "") throw new FlowceptQueryError("give the id of the workflow to export");
  if (o.url !== undefined && o.format !== "openlineage") throw new FlowceptQueryError("url is for the openlineage format");
  if (o.format === "ro-crate" && o.out === undefined) throw new FlowceptQueryError("an RO-Crate is written to a directory or a .zip file: give out");
  if (o.maxInlineValueBytes !== undefined && (!Number.isInteger(o.maxInlineValueBytes) || o.maxInlineValueBytes < 0)) throw new FlowceptQueryError(`maxInlineValueBytes must be an integer ≥ 0, got ${JSON.stringify(o.maxInlineValueBytes)}`);
}

/** Exports a prepared input (see {@link ExportOptions}). */
export async function exportFromInput(input: ExportInput, options: ExportOptions): Promise<ExportResult> {
  checkOptions(options);
  const base = { format: options.format, workflow_id: input.workflowId, tasks: input.tasks.length, url: null as string | null };
  switch (options.format) {
    case "prov-json":
    case "prov-jsonld": {
      const model = provModel(input, { maxInlineValueBytes: options.maxInlineValueBytes });
      const document = options.format === "prov-json" ? toProvJson(model) : toProvJsonLd(model);
      const counts: Record<string, number> = { activities: model.content.activities.length, entities: model.content.entities.length, agents: model.content.agents.length };
      for (const r of model.content.relations) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
      const output = options.out === undefined ? null : await writeText(options.out, `${JSON.stringify(document, null, 1)}\n`);
      return { ...base, output, document, counts };
    }
    case "ro-crate": {
      const crate = roCrate(input, { maxInlineValueBytes: options.maxInlineValueBytes, license: options.license });
      const zip = options.zip ?? options.out!.toLowerCase().endsWith(".zip");
      const output = zip ? await writeCrateZip(crate, options.out!) : await writeCrateDirectory(crate, options.out!);
      const graph = crate.metadata["@graph"] as Record<string, unknown>[];
      const typeCount = (t: string): number => graph.filter((e) => e["@type"] === t || (Array.isArray(e["@type"]) && e["@type"].includes(t))).length;
      const counts = { entities: graph.length, files: crate.files.size + 1, CreateAction: typeCount("CreateAction"), ControlAction: typeCount("ControlAction"), HowToStep: typeCount("HowToStep"), FormalParameter: typeCount("FormalParameter"), PropertyValue: typeCount("PropertyValue"), File: typeCount("File") };
      return { ...base, output, document: crate.metadata, counts };
    }
    case "openlineage": {
      const events = openLineageEvents(input, { namespace: options.namespace });
      const counts: Record<string, number> = { events: events.length };
      for (const e of events) counts[e.eventType] = (counts[e.eventType] ?? 0) + 1;
      const output = options.out === undefined ? null : await writeText(options.out, events.map((e) => `${JSON.stringify(e)}\n`).join(""));
      let url: string | null = null;
      if (options.url !== undefined) {
        let endpoint: LineageEndpoint;
        try {
          endpoint = new LineageEndpoint({ url: options.url, apiKey: options.apiKey, retries: options.retries, timeoutMs: options.timeoutMs });
        } catch (err) {
          throw new FlowceptQueryError(errorMessage(err));
        }
        url = endpoint.describe();
        for (let i = 0; i < events.length; i++) {
          try {
            await endpoint.send(events[i]);
          } catch (err) {
            throw new FlowceptQueryError(`${i} of ${events.length} events sent; then: ${errorMessage(err)}`);
          }
          options.onProgress?.(i + 1, events.length);
        }
      }
      return { ...base, output, url, document: events, counts };
    }
  }
}

/** Exports a workflow of a store (see {@link ExportOptions}). Throws {@link FlowceptQueryError}. */
export async function exportWorkflow(db: ExportSource, options: ExportOptions): Promise<ExportResult> {
  checkOptions(options);
  return exportFromInput(await exportInput(db, options.workflowId, options.rule), options);
}

/** Exports a workflow of records in memory (`Flowcept.readBufferFile()`'s). */
export async function exportRecords(records: readonly Record<string, unknown>[], options: ExportOptions): Promise<ExportResult> {
  checkOptions(options);
  return exportFromInput(await exportInputFromRecords(records, options.workflowId, options.rule), options);
}
