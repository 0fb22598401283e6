/**
 * The opt-in of `flowcept-otel/register`: which library instrumentations to
 * enable, from `FLOWCEPT_INSTRUMENTATIONS` (comma-separated names) and the
 * `instrumentation.auto` settings key. Creating an instrumentation loads
 * nothing: it only hooks the library for when the application loads it.
 */
import { diag } from "@opentelemetry/api";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { getSettingsSafe } from "../lib/settings/settings-loader.js";
import { registerEsmHook } from "./esm-hook.js";
import { MCP_ESM_PATTERNS, McpInstrumentation } from "./mcp/McpInstrumentation.js";
import { PiscinaInstrumentation } from "./piscina/PiscinaInstrumentation.js";
import { TfjsInstrumentation } from "./tfjs/TfjsInstrumentation.js";
import { errorMessage } from "../lib/util/error-message.js";
import { instrumentationPackage } from "./instrumentation-package.js";

/** Names accepted in `FLOWCEPT_INSTRUMENTATIONS` and `instrumentation.auto`. */
export const INSTRUMENTATION_NAMES = ["mcp", "tfjs", "piscina"] as const;

/** One of {@link INSTRUMENTATION_NAMES}. */
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

/** The names asked for by `env` (default `FLOWCEPT_INSTRUMENTATIONS`) and settings; unknown names are reported and skipped. */
export function requestedInstrumentations(env: string | undefined = process.env.FLOWCEPT_INSTRUMENTATIONS): InstrumentationName[] {
  const fromSettings = getSettingsSafe().instrumentation.auto;
  const raw = [...(env ?? "").split(","), ...(Array.isArray(fromSettings) ? fromSettings : [])].map((s) => String(s).trim().toLowerCase()).filter(Boolean);
  const all = raw.includes("all") || raw.includes("*");
  const out = new Set<InstrumentationName>();
  for (const n of all ? INSTRUMENTATION_NAMES : raw) {
    if ((INSTRUMENTATION_NAMES as readonly string[]).includes(n)) out.add(n as InstrumentationName);
    else diag.warn(`flowcept: unknown instrumentation "${n}" (known: ${INSTRUMENTATION_NAMES.join(", ")})`);
  }
  return [...out];
}

/**
 * Creates the named instrumentations (default: those requested by the
 * environment and settings) and registers the ES module hook they need, so
 * that libraries imported afterwards are instrumented. Without the optional
 * peer `@opentelemetry/instrumentation`, one error names it and none is
 * enabled. Never throws.
 */
export function autoInstrumentations(names: readonly InstrumentationName[] = requestedInstrumentations()): Instrumentation[] {
  if (names.length === 0) return [];
  try {
    instrumentationPackage(`Instrumenting ${names.join(", ")}`);
  } catch (err) {
    diag.error(`flowcept: ${errorMessage(err)}; the program runs without ${names.length > 1 ? "them" : "it"}`);
    return [];
  }
  const out: Instrumentation[] = [];
  for (const name of names) {
    try {
      if (name === "mcp") {
        out.push(new McpInstrumentation());
        registerEsmHook(MCP_ESM_PATTERNS);
      } else if (name === "tfjs") out.push(new TfjsInstrumentation());
      else out.push(new PiscinaInstrumentation());
    } catch (err) {
      diag.error(`flowcept: instrumentation ${name} not enabled: ${errorMessage(err)}`);
    }
  }
  return out;
}
