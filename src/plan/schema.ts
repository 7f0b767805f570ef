import { z } from "zod";

/**
 * The two plan forms accepted on the wire (docs/PLAN-FORMAT.md), as zod schemas: the single
 * source of their types. `normalizePlan` turns either into one `Plan`.
 */

const idText = z.string().min(1);

/** Retry policy of one step. Attempts include the first call. */
export const RetrySchema = z
  .object({
    max_attempts: z.number().int().min(1).max(20),
    backoff_ms: z.number().int().min(0).max(600_000).default(100),
    backoff_multiplier: z.number().min(1).max(10).default(2),
    max_backoff_ms: z.number().int().min(0).max(600_000).default(30_000),
    /** Retry only failures of these kinds; timeouts and tool errors by default. */
    retry_on: z.array(z.enum(["error", "timeout"])).min(1).default(["error", "timeout"]),
  })
  .strict();

/** Opt-in result caching keyed by tool + resolved input. */
export const CacheSchema = z.union([
  z.boolean(),
  z.object({ ttl_ms: z.number().int().min(1).max(30 * 24 * 3_600_000) }).strict(),
]);

const jsonObject = z.record(z.string(), z.unknown());

/** A step of the step-list form. */
export const StepSchema = z
  .object({
    id: idText,
    tool: z.string().min(1),
    params: jsonObject.default({}),
    output_mapping: jsonObject.default({}),
    depends_on: z.array(idText).default([]),
    /** Dependencies that may be skipped by a decision without skipping this step. */
    optional_depends_on: z.array(idText).default([]),
    retry: RetrySchema.optional(),
    timeout_ms: z.number().int().min(1).max(3_600_000).optional(),
    requires_approval: z.boolean().default(false),
    cache: CacheSchema.optional(),
    /** Its params and output never reach telemetry or the HTML report (shown `[redacted]`): docs/AUDIT.md. */
    sensitive: z.boolean().optional(),
    description: z.string().optional(),
    /** Fan-out: one whole-value reference to a list; the tool runs once per element (docs/PLAN-FORMAT.md). */
    for_each: z.string().min(1).optional(),
    /** The element's name inside the step's params (`{item}`, `{item.ci_id}`); default `item`. */
    as: z.string().min(1).optional(),
    /** At most this many element calls of this step at once. */
    max_concurrency: z.number().int().min(1).max(10_000).optional(),
    /** What a failed element does to the step: fail it (default), leave the element out, or keep `null`. */
    on_item_error: z.enum(["fail", "skip", "collect"]).optional(),
    /** Most elements this step may fan out to; the run's `maxItemsPerStep` when unset. */
    max_items: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

/** A decision point: a conditional edge after some steps. */
export const DecisionSchema = z
  .object({
    id: idText,
    after: z.array(idText).min(1),
    condition: z.string().min(1).optional(),
    question: z.string().min(1).optional(),
    then: z.array(idText).default([]),
    else: z.array(idText).default([]),
    default: z.enum(["then", "else"]).default("then"),
    /** Required when a branch goes back to an earlier step (a loop). */
    max_iterations: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/** Shared top-level fields of both forms. */
const planCommon = {
  goal: z.string().optional(),
  /**
   * A text template rendered with references after the run: the plan's answer for people. A
   * reference with no value renders empty with a warning, or fails the run under strict
   * (docs/PLAN-FORMAT.md, "Answer").
   */
  answer: z.string().optional(),
  decisions: z.array(DecisionSchema).default([]),
};

export const StepListPlanSchema = z
  .object({
    ...planCommon,
    steps: z.array(StepSchema),
  })
  .strict();

export const SECTION_NAMES = ["primary", "secondary", "aggregate", "graph", "metric", "history", "document"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** Dependencies a section has when `tool_dependencies` does not name it. */
export const STRUCTURAL_DEPENDENCIES: Record<SectionName, SectionName[]> = {
  primary: [],
  secondary: [],
  aggregate: ["primary"],
  graph: ["primary"],
  metric: ["aggregate"],
  history: ["primary"],
  document: [],
};

/**
 * A section: a step without an id (its id is its section name). `tool_type` is the original
 * planner's name for `tool`; `enabled: false` keeps the section from running (see
 * `emptySectionReason`).
 */
export const SectionSchema = StepSchema.omit({ id: true, depends_on: true, tool: true }).extend({
  tool: z.string().min(1).optional(),
  tool_type: z.string().min(1).optional().describe("The original planner's name for 'tool'"),
  enabled: z.boolean().optional().describe("false: the section is not run and the result says why"),
  depends_on: z.array(idText).optional(),
});

/** `tool_dependencies` as a record: section → the steps it depends on. */
export const ToolDependencyRecordSchema = z.record(z.string(), z.array(idText));

/** One entry of `tool_dependencies` as the original planner's list. */
export const ToolDependencyEntrySchema = z
  .object({
    tool_id: idText.describe("The section these dependencies are of"),
    depends_on: z.array(idText).default([]),
    /** Merged into the section's own `output_mapping`. */
    output_mapping: jsonObject.default({}),
  })
  .strict();

export const ToolDependenciesSchema = z.union([ToolDependencyRecordSchema, z.array(ToolDependencyEntrySchema)]);

export const SectionedPlanSchema = z
  .object({
    ...planCommon,
    primary: SectionSchema.nullish(),
    secondary: SectionSchema.nullish(),
    aggregate: SectionSchema.nullish(),
    graph: SectionSchema.nullish(),
    metric: SectionSchema.nullish(),
    history: SectionSchema.nullish(),
    document: SectionSchema.nullish(),
    tool_dependencies: ToolDependenciesSchema.nullish(),
    execution_strategy: z.enum(["parallel", "serial", "dag"]).optional(),
  })
  .strict();

export type StepInput = z.input<typeof StepSchema>;
export type DecisionInput = z.input<typeof DecisionSchema>;
export type StepListPlanInput = z.input<typeof StepListPlanSchema>;
export type SectionedPlanInput = z.input<typeof SectionedPlanSchema>;
export type SectionInput = z.input<typeof SectionSchema>;
/** Either wire form, as a user or a model writes it. */
export type PlanInput = StepListPlanInput | SectionedPlanInput;

/** A step after normalisation: every optional field filled in. */
export type PlanStep = z.output<typeof StepSchema>;
export type PlanDecision = z.output<typeof DecisionSchema>;
export type RetryPolicy = z.output<typeof RetrySchema>;

/** The one internal plan model both forms normalise to. */
export interface Plan {
  form: "steps" | "sectioned";
  goal?: string;
  answer?: string;
  steps: PlanStep[];
  decisions: PlanDecision[];
  /** The sectioned form's `execution_strategy`, kept as a hint for reports. */
  strategyHint?: "parallel" | "serial" | "dag";
  /**
   * Steps that are not run, each with the reason the result gives (the sectioned form's empty
   * sections). They are checked like any step, resolve as skipped, and their dependents follow
   * the rules for a skipped step.
   */
  notRun?: Readonly<Record<string, string>>;
}
