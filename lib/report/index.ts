/**
 * Workflow reports: the Markdown workflow card and the self-contained HTML
 * report with charts (`Flowcept.generateReport`, `flowcept-otel report`).
 */
export { generateReport } from "./generate-report.js";
export type { GenerateReportOptions, ReportResult } from "./generate-report.js";
export { ReportError } from "./render-svg.js";
