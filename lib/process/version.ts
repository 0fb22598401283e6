import { readFileSync } from "node:fs";

/** This package's version, read from its package.json (the nearest one above this file, in the sources or in `dist/`). */
export const VERSION: string = (() => {
  for (let url = new URL("./package.json", import.meta.url), i = 0; i < 6; i++, url = new URL("../package.json", url)) {
    try {
      const pkg = JSON.parse(readFileSync(url, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "flowcept-otel" && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
  }
  return "0.0.0";
})();

/** Instrumentation scope name of the spans this package creates. */
export const TRACER_NAME = "flowcept-otel";
