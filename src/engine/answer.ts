import type { PreparedPlan } from "../analysis/prepare.js";
import { renderTemplate, type MissingReference } from "../refs/resolve.js";
import type { StepRecord } from "../model/records.js";

/** Where an answer problem is reported in `errors` / `error_codes`: the plan field, never a step id. */
export const ANSWER_KEY = "$.answer";

/** The plan's `answer`, rendered, and the references in it that had no value. */
export interface RenderedAnswer {
  text: string;
  missing: MissingReference[];
}

/**
 * Renders the plan's `answer` template from the steps that completed. A reference with no value
 * (its step failed, was skipped, or its output lacks the path) renders as empty text and is
 * reported, exactly as a step input's missing reference is: the caller warns, or fails under strict.
 */
export function renderAnswer(prepared: PreparedPlan, steps: ReadonlyMap<string, StepRecord>): RenderedAnswer | undefined {
  if (!prepared.answer) return undefined;
  const missing: MissingReference[] = [];
  const lookup = (id: string) => (steps.get(id)?.status === "done" ? { ok: true as const, value: steps.get(id)!.output } : { ok: false as const });
  const value = renderTemplate(prepared.answer, lookup, (m) => missing.push(m));
  return { text: value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value), missing };
}

/** The message for the answer's missing references, naming each one. */
export function answerProblem(missing: readonly MissingReference[]): string {
  return `the answer has no value for ${missing.map((m) => m.message).join("; ")}`;
}
