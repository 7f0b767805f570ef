/**
 * The HTML run report: `renderReport(input)` turns a plan's graph and its run result into one
 * self-contained page (answer, summary, graph, timeline, inputs and outputs). The pieces are
 * exported for tests and for callers that want a part of the page.
 */
export { renderReport, DEFAULT_REPORT_OPTIONS, type ReportOptions } from "./html.js";
export { ReportInputSchema, ReportGraphSchema, ReportSensitiveSchema, type ReportInput, type ReportGraph, type ReportNode, type ReportEdge } from "./input.js";
export { layoutGraph, DEFAULT_LAYOUT_OPTIONS, type GraphLayout, type LayoutOptions, type PlacedNode, type PlacedEdge } from "./layout.js";
export { buildReportModel, type ReportModel, type NodeView, type Outcome } from "./model.js";
export { valueView, type ValueView, type ValueViewOptions } from "./value-view.js";
export { redactSecrets, secretsFromEnv, type Secret } from "./redact.js";
export { redactSensitiveParts } from "./sensitive.js";
export { sensitiveParts, REDACTED, type SensitiveParts } from "../telemetry/sensitive.js";
export { escapeHtml } from "./escape.js";
