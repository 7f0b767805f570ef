import { echo } from "../model/echo.js";
import { PlangraphError } from "../model/errors.js";
import type { InnerStepSchema, Plan, PlanStep, StepSchema } from "./schema.js";
import type { z } from "zod";

/** Fields that belong to a tool call; a sub-plan step has none of them (its inner steps do). */
const TOOL_ONLY_FIELDS = ["params", "output_mapping", "retry", "timeout_ms", "cache", "requires_approval"] as const;

type ParsedStep = z.output<typeof StepSchema>;
type ParsedInnerStep = z.output<typeof InnerStepSchema>;

/** True for a step that runs a nested plan instead of a tool. */
export function isSubPlanStep(step: Pick<PlanStep, "steps">): boolean {
  return step.steps !== undefined;
}

/** The nested plan of a sub-plan step, as a plan of the step-list form (its paths are relative). */
export function subPlanOf(step: PlanStep): Plan | undefined {
  return step.steps === undefined ? undefined : { form: "steps", steps: step.steps, decisions: step.decisions ?? [] };
}

/** The name errors and results give an inner step: `outer.inner`. */
export function innerName(outer: string, inner: string): string {
  return `${outer}.${inner}`;
}

/**
 * A parsed step of the step-list form as the plan model holds it. A step names a tool or has
 * `steps`, never both and never neither; a sub-plan step has no tool fields; sub-plans nest one
 * level deep. Each problem is reported naming the field's JSON path.
 */
export function readStep(parsed: ParsedStep, path: string, issues: PlangraphError[]): PlanStep {
  const { steps, decisions, ...fields } = parsed;
  const owner = `step '${echo(parsed.id)}'`;
  if (steps === undefined) {
    if (fields.tool === undefined) issues.push(invalid(`${owner} needs 'tool' (the tool it calls) or 'steps' (a sub-plan)`, `${path}.tool`, parsed.id));
    if (decisions !== undefined) issues.push(invalid(`${owner} has 'decisions' but no 'steps': decisions belong to a sub-plan`, `${path}.decisions`, parsed.id));
    return fields;
  }
  if (fields.tool !== undefined) issues.push(invalid(`${owner} has both 'tool' and 'steps'; a step calls a tool or runs a sub-plan, not both`, `${path}.tool`, parsed.id));
  for (const field of TOOL_ONLY_FIELDS) {
    if (!hasToolField(parsed, field)) continue;
    issues.push(invalid(`${owner} is a sub-plan: '${field}' belongs on its inner steps`, `${path}.${field}`, parsed.id));
  }
  if (steps.length === 0) issues.push(invalid(`${owner}: a sub-plan needs at least one step`, `${path}.steps`, parsed.id));
  const inner = steps.map((step, i) => readInnerStep(parsed.id, step, `${path}.steps[${i}]`, issues));
  return { ...fields, steps: inner, decisions: decisions ?? [] };
}

/** An inner step: one level of nesting only, and no human approval (a sub-plan runs as a whole). */
function readInnerStep(outer: string, parsed: ParsedInnerStep, path: string, issues: PlangraphError[]): PlanStep {
  const { steps, decisions, ...fields } = parsed;
  const name = `step '${echo(innerName(outer, parsed.id))}'`;
  if (steps !== undefined) issues.push(invalid(`${name} has 'steps': sub-plans nest one level deep; move its steps into '${echo(outer)}' or a step of the outer plan`, `${path}.steps`, innerName(outer, parsed.id)));
  if (decisions !== undefined && steps === undefined) issues.push(invalid(`${name} has 'decisions': a sub-plan's decisions go beside its steps`, `${path}.decisions`, innerName(outer, parsed.id)));
  if (fields.tool === undefined && steps === undefined) issues.push(invalid(`${name} needs 'tool': the tool it calls`, `${path}.tool`, innerName(outer, parsed.id)));
  if (fields.requires_approval) issues.push(invalid(`${name} asks for approval, which steps inside a sub-plan cannot; put "requires_approval" on an outer step`, `${path}.requires_approval`, innerName(outer, parsed.id)));
  return fields;
}

function hasToolField(parsed: ParsedStep, field: (typeof TOOL_ONLY_FIELDS)[number]): boolean {
  const value = parsed[field];
  if (field === "requires_approval") return value === true;
  if (field === "params" || field === "output_mapping") return Object.keys(value as object).length > 0;
  return value !== undefined;
}

function invalid(message: string, path: string, step: string): PlangraphError {
  return new PlangraphError("PLAN_INVALID", message, { path, step });
}

/**
 * Errors found in a sub-plan checked on its own, as the outer plan reports them: paths under the
 * outer step's (`$.steps[1]` → `$.steps[3].steps[1]`), step fields and quoted ids of inner steps
 * and decisions qualified with the outer id (`'cpu'` → `'svc_hosts.cpu'`).
 */
export function qualifyIssues(issues: readonly PlangraphError[], outer: string, outerPath: string, innerIds: ReadonlySet<string>): PlangraphError[] {
  const qualify = (id: string) => (innerIds.has(id) ? innerName(outer, id) : id);
  return issues.map((issue) => {
    // Ids quoted after "step", "decision" or "id"; a parameter or tool that shares an inner id's name stays.
    const message = issue.message
      .replace(/(?<=\b(?:step|decision|id) )'([A-Za-z_][A-Za-z0-9_-]{0,63})'/g, (whole, id: string) => (innerIds.has(id) ? `'${qualify(id)}'` : whole))
      .replace(/(?<=: |→ )([A-Za-z_][A-Za-z0-9_-]{0,63})(?= →|$)/gm, (id: string) => qualify(id));
    const path = issue.path === undefined ? outerPath : issue.path.replace(/^\$/, outerPath);
    const step = issue.step === undefined ? outer : qualify(issue.step);
    return new PlangraphError(issue.code, message, { path, step, ...(issue.cause === undefined ? {} : { cause: issue.cause }) });
  });
}


/** What events, approvals and reports call a step's tool: a sub-plan step has none, and says so. */
export function stepToolName(spec: Pick<PlanStep, "tool">): string {
  return spec.tool ?? "sub-plan";
}

/** Every tool a plan names, its sub-plans' inner steps included. */
export function toolNames(plan: Pick<Plan, "steps">): string[] {
  return plan.steps.flatMap((step) => (step.steps ? step.steps.flatMap((inner) => (inner.tool ? [inner.tool] : [])) : step.tool ? [step.tool] : []));
}
