import { z } from "zod";
import { PlangraphError } from "../model/errors.js";

/**
 * Limits on what a plan may ask for. Plans come from a model: every limit is checked before
 * anything runs, and each has its own typed error. Override any of them per run or per assistant.
 */
export const PlanLimitsSchema = z.object({
  maxPlanBytes: z.number().int().positive().default(1_000_000),
  maxSteps: z.number().int().positive().default(2_000),
  maxDecisions: z.number().int().nonnegative().default(200),
  maxFanIn: z.number().int().positive().default(500),
  maxFanOut: z.number().int().positive().default(2_000),
  maxReferenceLength: z.number().int().positive().default(512),
  maxPathDepth: z.number().int().positive().default(32),
  /**
   * Deepest nesting of the plan's JSON (objects and arrays, the plan itself at depth 1). Checked
   * iteratively before anything else reads the plan, so no recursive walk can exhaust the stack.
   * At most 1,000: the depth every later stage (templates, zod, the run's state) is tested at.
   */
  maxNestingDepth: z.number().int().positive().max(1_000).default(64),
  /** Characters of parameter and answer text scanned for references, over the whole plan. */
  maxTemplateChars: z.number().int().positive().default(500_000),
  /** References in the whole plan (parameters, conditions, the answer). */
  maxReferences: z.number().int().positive().default(20_000),
  maxLoopIterations: z.number().int().positive().default(100),
  /** Whole-run wall-clock budget in ms; 0 means none. */
  maxRunMs: z.number().int().nonnegative().default(0),
  /** Largest JSON size of one step's output, in bytes. */
  maxOutputBytes: z.number().int().positive().default(5_000_000),
  /** Most elements one for_each step may fan out to (a step's `max_items` overrides it). */
  maxItemsPerStep: z.number().int().positive().default(1_000),
  /** Most for_each elements in one run, over every step. */
  maxItemsPerRun: z.number().int().positive().default(10_000),
  /** When set, only these tools may be named by the plan. */
  allowedTools: z.array(z.string()).optional(),
  /** Policy: every step whose tool declares side effects pauses for human approval. */
  approveSideEffects: z.boolean().default(false),
});

export type PlanLimits = z.output<typeof PlanLimitsSchema>;
export type PlanLimitsInput = z.input<typeof PlanLimitsSchema>;

export const DEFAULT_LIMITS: PlanLimits = PlanLimitsSchema.parse({});

export function resolveLimits(overrides?: PlanLimitsInput): PlanLimits {
  const parsed = PlanLimitsSchema.safeParse(overrides ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PlangraphError("USAGE", `limits.${issue.path.map(String).join(".")}: ${issue.message}`, { path: `limits.${issue.path.map(String).join(".")}` });
}
