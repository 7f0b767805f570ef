import { z } from "zod";

/**
 * What the HTML run report is drawn from: the plan's graph and the `run --json` result (docs/RESULT-FORMAT.md)
 * object (plus a few optional extras the runtime may add). The schemas are deliberately loose
 * where the report only reads: unknown fields pass through, outputs stay `unknown`.
 */

/** A node of the plan's graph: a step (runs a tool) or a decision (picks a branch). */
export const ReportNodeSchema = z.object({
  id: z.string(),
  kind: z.enum(["step", "decision"]),
  tool: z.string().optional(),
});
export type ReportNode = z.infer<typeof ReportNodeSchema>;

/**
 * An edge `from` → `to` (`to` runs after `from`). `conditional` edges leave a decision and carry
 * the branch as `label` ("then" / "else"); `back` edges close a loop and are drawn apart.
 */
export const ReportEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  conditional: z.boolean().optional(),
  label: z.string().optional(),
  back: z.boolean().optional(),
});
export type ReportEdge = z.infer<typeof ReportEdgeSchema>;

export const ReportGraphSchema = z.object({
  nodes: z.array(ReportNodeSchema),
  edges: z.array(ReportEdgeSchema),
});
export type ReportGraph = z.infer<typeof ReportGraphSchema>;

/** `{ start_ms, end_ms }`, milliseconds from the start of the run. */
export const StepTimingSchema = z.looseObject({
  start_ms: z.number(),
  end_ms: z.number(),
});
export type StepTiming = z.infer<typeof StepTimingSchema>;

/** One decision's outcome; `at_ms` (when it was made) and `latency_ms` (how long it took) are runtime extras. */
export const DecisionOutcomeSchema = z.looseObject({
  branch: z.string(),
  source: z.string().optional(),
  reason: z.string().optional(),
  latency_ms: z.number().optional(),
  at_ms: z.number().optional(),
});
export type DecisionOutcome = z.infer<typeof DecisionOutcomeSchema>;

export const PendingApprovalSchema = z.looseObject({
  step: z.string(),
  tool: z.string().optional(),
  params: z.unknown().optional(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

/**
 * The `run --json` result (docs/RESULT-FORMAT.md), as the report reads it. Every collection defaults to empty
 * so a partial result (an interrupted run, a hand-written fixture) still renders.
 */
export const RunResultSchema = z.looseObject({
  status: z.string(),
  strategy: z.string().optional(),
  order: z.array(z.array(z.string())).default([]),
  results: z.record(z.string(), z.unknown()).default({}),
  errors: z.record(z.string(), z.unknown()).default({}),
  skipped: z.array(z.string()).default([]),
  decisions: z.record(z.string(), DecisionOutcomeSchema).default({}),
  warnings: z.array(z.string()).default([]),
  timings: z.record(z.string(), StepTimingSchema).default({}),
  makespan_ms: z.number().optional(),
  critical_path_ms: z.number().optional(),
  pending: z.array(PendingApprovalSchema).default([]),
  /** Extra: tool calls made per step (retries included). */
  attempts: z.record(z.string(), z.number()).optional(),
  /** Extra: steps whose output came from a cache instead of a tool call. */
  cached: z.array(z.string()).optional(),
  /** Extra: ids along the critical path, in order. Computed from timings when absent. */
  critical_path: z.array(z.string()).optional(),
  /** Extra: per-iteration outputs of looping steps. */
  iterations: z.record(z.string(), z.array(z.unknown())).optional(),
  /** Extra: why a step was skipped, when the runtime knows. Inferred from the graph otherwise. */
  skip_reasons: z.record(z.string(), z.string()).optional(),
});
/** The run result after parsing: collections are always present. */
export type RunResult = z.output<typeof RunResultSchema>;
/** The run result as callers may pass it: collections may be omitted. */
export type RunResultInput = z.input<typeof RunResultSchema>;

/** Everything `renderReport` needs. */
export const ReportInputSchema = z.object({
  /** Shown as the page title, e.g. the plan file name. */
  title: z.string(),
  goal: z.string().optional(),
  /** ISO time the report was generated. */
  generatedAt: z.string(),
  graph: ReportGraphSchema,
  result: RunResultSchema,
});
/** The input as callers pass it (`z.input`): the run result's collections may be omitted. */
export type ReportInput = z.input<typeof ReportInputSchema>;
/** The input after validation and defaults. */
export type ParsedReportInput = z.output<typeof ReportInputSchema>;
