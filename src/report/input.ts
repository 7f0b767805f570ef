import { z } from "zod";
import type { PlanGraphView } from "../analysis/view.js";
import { RunResultSchema } from "../model/result.js";
import type { SensitiveParts } from "../telemetry/sensitive.js";

/**
 * What the HTML run report is drawn from: the plan's graph (`planGraphView`) and the run's result,
 * validated by the result's own schema (src/model/result.ts), the single source of its shape.
 */

/** A node of the plan's graph: a step (runs a tool) or a decision (picks a branch). */
const ReportNodeSchema = z.object({
  id: z.string(),
  kind: z.enum(["step", "decision"]),
  tool: z.string().optional(),
});

/**
 * An edge `from` → `to` (`to` runs after `from`). `conditional` edges leave a decision and carry
 * the branch as `label` ("then" / "else"); `back` edges close a loop and are drawn apart.
 */
const ReportEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  conditional: z.boolean().optional(),
  label: z.string().optional(),
  back: z.boolean().optional(),
});

/** The plan's graph as `planGraphView` gives it. */
export const ReportGraphSchema = z.object({
  nodes: z.array(ReportNodeSchema),
  edges: z.array(ReportEdgeSchema),
}) satisfies z.ZodType<PlanGraphView>;
export type ReportGraph = z.infer<typeof ReportGraphSchema>;
export type ReportNode = ReportGraph["nodes"][number];
export type ReportEdge = ReportGraph["edges"][number];

/** Which parts of the run are sensitive (`sensitiveParts(prepared)`): they are shown `[redacted]`. */
export const ReportSensitiveSchema = z.object({
  steps: z.array(z.string()),
  inputs: z.array(z.string()),
  decisions: z.array(z.string()),
  answer: z.boolean(),
}) satisfies z.ZodType<SensitiveParts>;

/** Everything `renderReport` needs. */
export const ReportInputSchema = z.object({
  /** Shown as the page title, e.g. the plan file name. */
  title: z.string(),
  goal: z.string().optional(),
  /** ISO time the report was generated. */
  generatedAt: z.string(),
  graph: ReportGraphSchema,
  result: RunResultSchema,
  sensitive: ReportSensitiveSchema.optional(),
});
export type ReportInput = z.infer<typeof ReportInputSchema>;
