import { z } from "zod";
import { CallerContextSchema } from "./caller.js";

/**
 * The result of a run: the object `run --json` prints, `runPlan` returns and the HTML report is
 * drawn from. The single source of the type; docs/RESULT-FORMAT.md and the checked-in JSON Schema
 * are generated from it. Fields after `pending` are additive extensions of the original format.
 */

/** A step paused for human approval, with its resolved input. */
export const PendingApprovalSchema = z.object({
  step: z.string(),
  tool: z.string(),
  params: z.unknown(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

export const StrategySchema = z.enum(["PARALLEL", "SERIAL", "DAG"]);

export const DecisionResultSchema = z.object({
  branch: z.enum(["then", "else"]),
  source: z.enum(["rule", "llm", "fallback"]),
  reason: z.string(),
  /** Why a fallback was taken (the model's error, a timeout, an unusable answer). */
  cause: z.string().optional(),
  latency_ms: z.number().optional(),
  at_ms: z.number().optional(),
  /** Loop decisions: how many times the decision was made. */
  iterations: z.number().int().optional(),
});

export const TimingSchema = z.object({ start_ms: z.number(), end_ms: z.number() });

/** A for_each step's elements: counts, and each element's span in ms from the run's start. */
export const ItemsSchema = z.object({
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  elements: z.array(z.object({ index: z.number().int(), status: z.enum(["done", "failed"]), start_ms: z.number().optional(), end_ms: z.number().optional() })),
});

export const RunResultSchema = z.object({
  status: z.enum(["completed", "failed", "interrupted"]),
  strategy: StrategySchema,
  /** Dependency levels, for reading (not for scheduling). */
  order: z.array(z.array(z.string())),
  /** Each completed step's tool output. */
  results: z.record(z.string(), z.unknown()),
  /** Each failed or rejected step's message. */
  errors: z.record(z.string(), z.string()),
  skipped: z.array(z.string()),
  decisions: z.record(z.string(), DecisionResultSchema),
  warnings: z.array(z.string()),
  /** Milliseconds from the start of the run. */
  timings: z.record(z.string(), TimingSchema),
  makespan_ms: z.number(),
  /** The longest chain of measured step durations through the dependency graph. */
  critical_path_ms: z.number(),
  pending: z.array(PendingApprovalSchema),
  /** Extension: the steps (and decisions) along the critical path, in order. */
  critical_path: z.array(z.string()),
  /** Extension: tool calls made per step (retries included). */
  attempts: z.record(z.string(), z.number()),
  /** Extension: why each skipped step was skipped. */
  skip_reasons: z.record(z.string(), z.string()),
  /** Extension: error codes per failed step. */
  error_codes: z.record(z.string(), z.string()),
  /** Extension: steps not run yet because they wait (directly or not) on a pending approval. */
  waiting: z.array(z.string()),
  /** Extension: every iteration's output of each loop-body step, oldest first. */
  iterations: z.record(z.string(), z.array(z.unknown())),
  /** Extension: steps whose output came from the cache instead of a tool call. */
  cached: z.array(z.string()),
  /** Extension: milliseconds of the makespan spent waiting for a human's approval (not running). */
  approval_wait_ms: z.number(),
  /** Extension: each step's input as its tool was called (references resolved), failed steps included. */
  inputs: z.record(z.string(), z.unknown()),
  /** Extension: milliseconds spent warming the run's tools up (opening databases…) before its clock started. */
  warm_up_ms: z.number().optional(),
  /** Extension: each for_each step's elements (`{ total, done, failed, elements }`); absent in results older than for_each. */
  items: z.record(z.string(), ItemsSchema).optional(),
  /** Extension: each for_each step's failed elements' errors, by element index (`item_errors[step]["3"]`). */
  item_errors: z.record(z.string(), z.record(z.string(), z.object({ code: z.string(), message: z.string() }))).optional(),
  /** Extension: the plan's `answer` template, rendered (absent while interrupted, and when it failed under strict). */
  answer: z.string().optional(),
  /** Extension: who the run ran for (tenant, user, roles, trace id, and where that came from: `cli`, `library`, `auth`, or `default` for the local caller); set by the caller, never by the plan. */
  context: CallerContextSchema.optional(),
});
export type RunResult = z.infer<typeof RunResultSchema>;
