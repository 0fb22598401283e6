/**
 * ES modules are seen by an instrumentation only through the
 * import-in-the-middle loader hook. This registers it for the listed
 * modules only (every other module loads untouched), before the
 * application's own imports run.
 */
import { diag } from "@opentelemetry/api";
import { register } from "node:module";
import { errorMessage } from "../lib/util/error-message.js";

const registered = new Set<string>();

/**
 * Registers the loader hook for modules whose resolved URL matches one of
 * `patterns`. Modules imported before this call are not seen. Never throws.
 */
export function registerEsmHook(patterns: readonly RegExp[]): void {
  const fresh = patterns.filter((p) => !registered.has(p.source));
  if (fresh.length === 0) return;
  try {
    register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, { data: { include: fresh } });
    for (const p of fresh) registered.add(p.source);
  } catch (err) {
    diag.warn(`flowcept: ES module hook not registered, ES modules are not instrumented: ${errorMessage(err)}`);
  }
}
