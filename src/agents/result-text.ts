import { PlanValidationError, isPlangraphError, describeError } from "../model/errors.js";
import type { RunResult } from "../engine/result.js";

/** Default bound on the text a model reads back from a run (results are truncated beyond it). */
export const DEFAULT_MAX_RESULT_CHARS = 20_000;

/**
 * A run's result as a model should read it: what happened and the data, without the timing detail
 * the result object also carries. Large results are cut at `maxChars`, and the text says so.
 */
export function resultForModel(result: RunResult, maxChars = DEFAULT_MAX_RESULT_CHARS): string {
  const view = {
    status: result.status,
    ...(result.answer !== undefined ? { answer: result.answer } : {}),
    results: result.results,
    ...(Object.keys(result.errors).length ? { errors: result.errors } : {}),
    ...(result.skipped.length ? { skipped: result.skipped } : {}),
    ...(Object.keys(result.decisions).length ? { decisions: result.decisions } : {}),
    ...(result.pending.length ? { pending: result.pending } : {}),
    ...(result.warnings.length ? { warnings: result.warnings } : {}),
  };
  const text = JSON.stringify(view);
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… [truncated: the result is ${text.length} characters; ask a narrower plan for the rest]`;
}

/** One line per problem, each naming its JSON path: what a model needs to repair a plan. */
export function validationProblems(error: unknown): string[] {
  if (error instanceof PlanValidationError) return error.issues.map((issue) => `${issue.code}${issue.path ? ` at ${issue.path}` : ""}: ${issue.message}`);
  if (isPlangraphError(error)) return [`${error.code}${error.path ? ` at ${error.path}` : ""}: ${error.message}`];
  return [describeError(error)];
}
