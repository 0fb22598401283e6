import { readFileSync } from "node:fs";

/** This package's version, read from its package.json. */
export const VERSION: string = (() => {
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "flowcept-otel" && pkg.version) return pkg.version;
    } catch {
      // try the next location (source vs. dist layout)
    }
  }
  return "0.0.0";
})();

/** Instrumentation scope name of the spans this package creates. */
export const TRACER_NAME = "flowcept-otel";
