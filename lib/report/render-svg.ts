/**
 * Charts to SVG in Node: Vega-Lite specifications compiled by `vega-lite`
 * and rendered headless by `vega` (no canvas, no browser), and graph layout
 * by `@dagrejs/dagre`. The three are optional peers, loaded on first use.
 */
import { diag } from "@opentelemetry/api";
import { errorMessage } from "../util/error-message.js";

/** The packages the HTML report draws with. */
export const CHART_PACKAGES = ["vega", "vega-lite", "@dagrejs/dagre"] as const;

/** A report that cannot be made: a missing optional package, an unwritable file, no such workflow. */
export class ReportError extends Error {
  override readonly name = "ReportError";
}

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
type Dagre = typeof import("@dagrejs/dagre");

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    throw new ReportError(`the HTML report draws its charts with the optional packages ${CHART_PACKAGES.join(", ")}; ${name} cannot be loaded (${errorMessage(err)}). Install them: npm install ${CHART_PACKAGES.join(" ")}`);
  }
}

let libs: Promise<{ vega: Vega; vegaLite: VegaLite; dagre: Dagre }> | undefined;

/** Loads the chart packages once. Rejects with {@link ReportError} naming what to install. */
export function chartLibraries(): Promise<{ vega: Vega; vegaLite: VegaLite; dagre: Dagre }> {
  libs ??= (async () => ({
    vega: await load("vega", () => import("vega")),
    vegaLite: await load("vega-lite", () => import("vega-lite")),
    dagre: await load("@dagrejs/dagre", () => import("@dagrejs/dagre")),
  }))();
  libs.catch(() => (libs = undefined));
  return libs;
}

const logger = {
  level(): number {
    return 2;
  },
  error(...args: unknown[]): void {
    diag.warn(`flowcept: chart: ${args.map(String).join(" ")}`);
  },
  warn(...args: unknown[]): void {
    diag.debug(`flowcept: chart: ${args.map(String).join(" ")}`);
  },
  info(): void {},
  debug(): void {},
};

/** A Vega-Lite specification as an SVG document. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const { vega, vegaLite } = await chartLibraries();
  const compiled = vegaLite.compile(spec as never, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger: logger as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
