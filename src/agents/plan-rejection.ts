import { z } from "zod";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { PlanValidationError, type PlangraphError } from "../model/errors.js";

/** One reason a plan was refused: what a program (or the model that wrote the plan) can act on. */
export const PlanProblemSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** JSON path of the field at fault (`$.steps[1].tool`, `configurable.limits.maxRunMs`). */
  path: z.string().optional(),
  step: z.string().optional(),
});

/** What a server run of a refused plan returns in its `error` state value: every problem, structured. */
export const PlanRejectionSchema = z.object({
  /** `PlanValidationError` for a plan with problems, `PlangraphError` for any other refusal. */
  error: z.string(),
  /** The first problem's code. */
  code: z.string(),
  /** One sentence summing up (the first problem, and how many more). */
  message: z.string(),
  problems: z.array(PlanProblemSchema).min(1),
});

export type PlanProblem = z.infer<typeof PlanProblemSchema>;
export type PlanRejection = z.infer<typeof PlanRejectionSchema>;

/** A refusal as structured data: a validation error's every issue, or the one error. */
export function planRejection(error: PlangraphError): PlanRejection {
  const issues = error instanceof PlanValidationError && error.issues.length ? error.issues : [error];
  return { error: error.name, code: error.code, message: error.message, problems: issues.map((issue) => issue.toJSON()) };
}

const RejectionState = Annotation.Root({
  /** Why the run's plan was refused; nothing else ran. */
  error: Annotation<PlanRejection | null>({ reducer: (_old, next) => next, default: () => null }),
});

/**
 * The graph a server run gets when its plan (or its limits) is refused before anything runs: one
 * node, `plan_rejected`, that writes the refusal to the `error` channel. The LangGraph server keeps
 * only an error's name and message (`serializeError` in @langchain/langgraph-api), so a thrown
 * error would reach SDK callers as one string with every problem but the first dropped; a state
 * value reaches them whole.
 */
export function rejectedPlanGraph(error: PlangraphError, name = "plan_rejected") {
  const rejection = planRejection(error);
  return new StateGraph(RejectionState)
    .addNode("plan_rejected", () => ({ error: rejection }))
    .addEdge(START, "plan_rejected")
    .addEdge("plan_rejected", END)
    .compile({ name });
}
