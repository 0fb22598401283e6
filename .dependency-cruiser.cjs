/**
 * The dependency rule of docs/architecture.md, checked by `npm test`:
 * no cycles, and every in-house import points down the data flow.
 */
const layers = {
  util: "^lib/util/",
  process: "^lib/process/",
  records: "^lib/records/",
  settings: "^lib/settings/",
  context: "^lib/context/",
  stream: "^lib/stream/",
  telemetry: "^lib/telemetry/",
  jsonl: "^exporters/jsonl/",
  mongo: "^exporters/mongo/",
  openlineage: "^exporters/openlineage/",
  pipeline: "^lib/pipeline/",
  query: "^lib/query/",
  report: "^lib/report/",
  ui: "^lib/ui/",
  capture: "^lib/capture/",
  ingest: "^exporters/otlp-ingest/",
  instrumentations: "^instrumentations/",
  cli: "^lib/cli/",
  entries: "^(lib/(index|register)|exporters/index|instrumentations/index)\\.ts$",
};
const base = ["util", "process", "records"];
/** What each layer may import besides itself. */
const mayImport = {
  util: [],
  process: ["util"],
  records: ["util", "process"],
  settings: [...base],
  context: [...base, "settings"],
  telemetry: [...base, "settings"],
  stream: [...base],
  jsonl: [...base, "settings"],
  mongo: [...base, "settings"],
  openlineage: [...base, "settings"],
  pipeline: [...base, "settings", "context", "jsonl", "mongo", "stream"],
  query: [...base, "settings", "jsonl", "mongo", "openlineage"],
  report: [...base, "settings", "jsonl", "mongo", "openlineage", "query"],
  ui: [...base, "settings", "jsonl", "mongo", "openlineage", "query", "report", "stream"],
  capture: [...base, "settings", "context", "telemetry", "jsonl", "pipeline", "query", "report"],
  ingest: [...base, "settings", "jsonl", "mongo", "pipeline", "stream"],
  instrumentations: [...base, "settings", "context", "telemetry", "jsonl", "mongo", "openlineage", "pipeline", "query", "report", "capture", "stream"],
  cli: Object.keys(layers).filter((l) => l !== "cli"),
  entries: Object.keys(layers),
};

const either = (names) => names.map((n) => `(${layers[n]})`).join("|");

module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "Files must not import each other in a loop.", from: {}, to: { circular: true } },
    ...Object.entries(mayImport).map(([layer, allowed]) => ({
      name: `${layer}-imports-only-below`,
      severity: "error",
      comment: `${layer} may import only ${allowed.length ? allowed.join(", ") : "nothing else in-house"}.`,
      from: { path: layers[layer], pathNot: layer === "entries" ? undefined : layers.entries },
      to: {
        path: "^(lib|exporters|instrumentations)/",
        pathNot: either([layer, ...allowed]),
      },
    })),
    {
      name: "no-unlayered-files",
      severity: "error",
      comment: "Every source file belongs to a layer of docs/architecture.md.",
      from: { path: "^(lib|exporters|instrumentations)/", pathNot: either(Object.keys(layers)) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(otlp-proto)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
