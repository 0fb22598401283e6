/**
 * Charts to SVG in Node: Vega-Lite specifications compiled by `vega-lite`
 * and rendered headless by `vega` (no canvas, no browser), and graph layout
 * by `@dagrejs/dagre`. The three are optional peers, loaded on first use.
 */
import { diag } from "@opentelemetry/api";
import { optionalPeerImport } from "../util/optional-peer.js";

/** The packages the HTML report draws with. */
export const CHART_PACKAGES = ["vega", "vega-lite", "@dagrejs/dagre"] as const;

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
type Dagre = typeof import("@dagrejs/dagre");

const FEATURE = `the HTML report (which draws its charts with ${CHART_PACKAGES.join(", ")})`;
const vega = optionalPeerImport<Vega>("vega", FEATURE, () => import("vega"));
const vegaLite = optionalPeerImport<VegaLite>("vega-lite", FEATURE, () => import("vega-lite"));
const dagre = optionalPeerImport<Dagre>("@dagrejs/dagre", FEATURE, () => import("@dagrejs/dagre"));

/** The chart packages, loaded once. Rejects with `MissingPeerError` naming the first one missing. */
export async function chartLibraries(): Promise<{ vega: Vega; vegaLite: VegaLite; dagre: Dagre }> {
  return { vega: await vega(), vegaLite: await vegaLite(), dagre: await dagre() };
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
  const { vega: v, vegaLite: vl } = await chartLibraries();
  const compiled = vl.compile(spec as never, { logger: logger as never }).spec;
  const view = new v.View(v.parse(compiled), { renderer: "none", logger: logger as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
