import type { z } from "zod";
import { echo } from "../model/echo.js";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { SECTION_NAMES, SectionSchema, SectionedPlanSchema, StepSchema } from "./schema.js";

/** Turns zod issues into PlangraphErrors with JSON paths and the step id when there is one. */
export function zodFailure(error: z.ZodError, data: Record<string, unknown>): PlanValidationError {
  const issues = error.issues.slice(0, 50).map((issue) => {
    const path = "$" + issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    const step = stepIdAt(data, issue.path);
    const owner = step ? `step '${echo(step)}': ` : "";
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(issue.path);
      message = issue.keys.slice(0, 10).map((k) => `unknown field '${echo(k)}'${didYouMean(k, known)}`).join("; ");
    }
    const field = issue.path.length ? ` at ${path}` : "";
    return new PlangraphError("PLAN_INVALID", `${owner}${message}${field}`, { path, ...(step ? { step } : {}) });
  });
  return new PlanValidationError(issues);
}

function stepIdAt(data: Record<string, unknown>, path: readonly PropertyKey[]): string | undefined {
  const [head, index] = path;
  if (head === "steps" && typeof index === "number") {
    const step = (data.steps as unknown[] | undefined)?.[index] as { id?: unknown } | undefined;
    return typeof step?.id === "string" ? step.id : undefined;
  }
  if (head === "decisions" && typeof index === "number") {
    const decision = (data.decisions as unknown[] | undefined)?.[index] as { id?: unknown } | undefined;
    return typeof decision?.id === "string" ? decision.id : undefined;
  }
  if (typeof head === "string" && (SECTION_NAMES as readonly string[]).includes(head)) return head;
  return undefined;
}

function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const step = Object.keys(StepSchema.shape);
  if (path.length === 0) return ["steps", ...Object.keys(SectionedPlanSchema.shape)];
  if (path[0] === "decisions") return ["id", "after", "condition", "question", "then", "else", "default", "max_iterations"];
  // A section has no 'id' (its name is its id): never suggest a field it may not have.
  if (typeof path[0] === "string" && (SECTION_NAMES as readonly string[]).includes(path[0])) return Object.keys(SectionSchema.shape);
  return step;
}
