/**
 * The HTML run report: `renderReport(input)` turns a plan's graph and its `run --json` result into
 * one self-contained page (graph, timeline, results). The pieces are exported for tests and for
 * callers that want a part of the page.
 */
export { renderReport, DEFAULT_REPORT_OPTIONS, type ReportOptions } from "./html.js";
export {
  ReportInputSchema,
  RunResultSchema,
  ReportGraphSchema,
  type ReportInput,
  type ParsedReportInput,
  type ReportGraph,
  type ReportNode,
  type ReportEdge,
  type RunResult,
  type RunResultInput,
  type StepTiming,
  type DecisionOutcome,
  type PendingApproval,
} from "./types.js";
export { layoutGraph, DEFAULT_LAYOUT_OPTIONS, type GraphLayout, type LayoutOptions, type PlacedNode, type PlacedEdge } from "./layout.js";
export { buildReportModel, computeCriticalPath, type ReportModel, type NodeView, type Outcome } from "./model.js";
export { escapeHtml } from "./escape.js";
