import { z } from "zod";

/** The two branches of a decision. */
export const BranchSchema = z.enum(["then", "else"]);
export type Branch = z.infer<typeof BranchSchema>;

/**
 * How a decision was taken, as reported in `run --json` under `decisions`: by a rule condition, by
 * the chat model, or by falling back to the default branch (with the `cause`).
 */
export const DecisionRecordSchema = z.object({
  branch: BranchSchema,
  source: z.enum(["rule", "llm", "fallback"]),
  /** Human text: the rule's evaluation, the model's reason, or why the default was taken. */
  reason: z.string(),
  /** Time spent deciding, in milliseconds. */
  latency_ms: z.number().nonnegative(),
  /** Why the default branch was taken (fallback only): no model, timeout, API error, bad answer. */
  cause: z.string().optional(),
});
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;

/** What the chat model must answer (its structured output). */
export const DecisionAnswerSchema = z
  .object({
    branch: BranchSchema.describe('"then" when the answer to the question is yes, "else" when it is no'),
    reason: z.string().describe("One sentence, grounded in the step results"),
  })
  .describe("The branch the plan takes at this decision, and why");
export type DecisionAnswer = z.infer<typeof DecisionAnswerSchema>;
