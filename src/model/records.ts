import { z } from "zod";

/** One pass of a step: what it produced and how (the fields every record has). */
const stepPassShape = {
  status: z.enum(["done", "failed", "skipped", "rejected"]),
  output: z.unknown().optional(),
  /** The input the tool was called with: params merged with the resolved output_mapping. */
  input: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** Why a step was skipped or rejected. */
  reason: z.string().optional(),
  /** Epoch milliseconds (the run's clock) when the tool was called and when it settled. */
  started_at: z.number().optional(),
  ended_at: z.number().optional(),
  attempts: z.number().int().nonnegative().default(0),
  cached: z.boolean().optional(),
  /** Loop iteration (1-based) that produced this record. */
  iteration: z.number().int().positive().optional(),
  /** Problems that did not fail the step, e.g. a missing reference read as null, a store write that failed. */
  warnings: z.array(z.string()).optional(),
};

/**
 * A finished iteration of a loop-body step. The loop's history has this one representation: the
 * engine keeps it and a step's record carries it as `earlier`, so a resumed run reads back
 * exactly what was kept (records written before this schema, with fewer fields, still parse).
 */
export const StepPassSchema = z.object(stepPassShape);
export type StepPass = z.output<typeof StepPassSchema>;

/** One element of a for_each step: when it ran and how it ended (epoch ms, the run's clock). */
export const ElementSpanSchema = z.object({
  index: z.number().int().nonnegative(),
  status: z.enum(["done", "failed"]),
  started_at: z.number().optional(),
  ended_at: z.number().optional(),
});
export type ElementSpan = z.output<typeof ElementSpanSchema>;

/** How a for_each step's elements went. */
export const ElementSummarySchema = z.object({
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  elements: z.array(ElementSpanSchema),
});
export type ElementSummary = z.output<typeof ElementSummarySchema>;

/** What a step's node writes to its state channel: the output plus how it came to be. */
export const StepRecordSchema = z.object({
  ...stepPassShape,
  /** A for_each step: its elements' spans, in element order. */
  items: ElementSummarySchema.optional(),
  /** A for_each step: each failed element's error, by its index. */
  item_errors: z.record(z.string(), z.object({ code: z.string(), message: z.string() })).optional(),
  /** The earlier iterations of a loop-body step, oldest first. */
  earlier: z.array(StepPassSchema).optional(),
});
export type StepRecord = z.output<typeof StepRecordSchema>;

/** What a decision's node writes: the branch taken and why. */
export const DecisionOutcomeSchema = z.object({
  status: z.enum(["decided", "skipped"]),
  branch: z.enum(["then", "else"]).optional(),
  source: z.enum(["rule", "llm", "fallback"]).optional(),
  reason: z.string(),
  cause: z.string().optional(),
  latency_ms: z.number().optional(),
  /** Epoch milliseconds when the decision was made. */
  decided_at: z.number().optional(),
  iteration: z.number().int().positive().optional(),
  /** Problems that did not change the outcome, e.g. a store write that failed. */
  warnings: z.array(z.string()).optional(),
});
export type DecisionOutcome = z.output<typeof DecisionOutcomeSchema>;

export const isDone = (record: StepRecord | undefined): boolean => record?.status === "done";
