import { echo } from "../model/echo.js";
import { describeError, PlangraphError, PlanValidationError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { STEP_ID_PATTERN } from "../refs/grammar.js";
import { DEFAULT_LIMITS, type PlanLimits } from "./limits.js";
import { checkNesting } from "./nesting.js";
import { SECTION_NAMES, StepListPlanSchema, type Plan } from "./schema.js";
import { dependencyPaths, fromSectioned } from "./sectioned.js";
import { zodFailure } from "./zod-issues.js";
import { innerName, qualifyIssues, readStep, subPlanOf } from "./sub-plans.js";

/**
 * Parses a plan in either wire form (a JSON string or a value) and returns the one internal model.
 * Shape errors come back together, each with its JSON path; identity rules (id syntax, unique ids,
 * known targets of `depends_on` / `after` / `then` / `else`) are checked here too.
 */
export function normalizePlan(input: unknown, limits: PlanLimits = DEFAULT_LIMITS): Plan {
  const { plan, issues } = readPlan(input, limits);
  if (issues.length) throw new PlanValidationError(issues);
  return plan;
}

/**
 * `normalizePlan` for callers that go on checking: a plan whose shape is readable comes back with
 * its identity problems listed rather than thrown, so references, tools and conditions can be
 * checked in the same pass (one report with every problem). Only a plan that is well formed and
 * free of identity problems is marked normalised. Throws PlanValidationError when the shape
 * itself is wrong or a limit is exceeded.
 */
export function readPlan(input: unknown, limits: PlanLimits = DEFAULT_LIMITS): { plan: Plan; issues: PlangraphError[] } {
  const value = typeof input === "string" ? parseJsonText(input, limits) : input;
  checkDepth(value, limits);
  if (typeof input !== "string") checkSize(value, limits);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw fail("PLAN_INVALID", `a plan must be a JSON object with 'steps' or sections (${SECTION_NAMES.join(", ")})`, "$");
  }
  const record = value as Record<string, unknown>;
  const isStepList = "steps" in record;
  const isSectioned = SECTION_NAMES.some((name) => name in record);
  if (isStepList && isSectioned) {
    throw fail("PLAN_INVALID", "a plan has either 'steps' or sections (primary, secondary, …), not both", "$");
  }
  if (!isStepList && !isSectioned) {
    const keys = Object.keys(record);
    const hint = keys.length ? `; it has ${keys.slice(0, 10).map((k) => `'${echo(k)}'${didYouMean(k, ["steps", ...SECTION_NAMES])}`).join(", ")}` : "";
    throw fail("PLAN_INVALID", `a plan needs 'steps' or at least one of the sections ${SECTION_NAMES.join(", ")}${hint}`, "$");
  }
  const plan = isStepList ? fromStepList(record) : fromSectioned(record);
  const issues = checkIdentity(plan, limits);
  if (issues.length === 0) normalized.add(plan);
  return { plan, issues };
}

/** The nesting limit, before anything recursive reads the value; a hostile getter is not JSON. */
function checkDepth(value: unknown, limits: PlanLimits): void {
  try {
    checkNesting(value, limits.maxNestingDepth, limits.maxPlanBytes);
  } catch (error) {
    if (error instanceof PlangraphError) throw error;
    throw fail("PLAN_INVALID", `the plan is not JSON data (reading it failed: ${echo(describeError(error))})`, "$");
  }
}

// Plans this module produced; anything else, however plan-shaped, goes through normalisation.
const normalized = new WeakSet<Plan>();

/** True for a value returned by `normalizePlan` (and not since replaced by a look-alike). */
export function isNormalizedPlan(value: unknown): value is Plan {
  return typeof value === "object" && value !== null && normalized.has(value as Plan);
}

function parseJsonText(text: string, limits: PlanLimits): unknown {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxPlanBytes) {
    throw fail("PLAN_TOO_LARGE", `the plan is ${bytes} bytes; the limit is ${limits.maxPlanBytes}`, "$");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail("PLAN_INVALID", `the plan is not valid JSON: ${(error as Error).message}`, "$");
  }
}

function checkSize(value: unknown, limits: PlanLimits): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw fail("PLAN_INVALID", "the plan is not JSON data (it has cycles or values JSON cannot hold)", "$");
  }
  const bytes = text === undefined ? 0 : Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxPlanBytes) {
    throw fail("PLAN_TOO_LARGE", `the plan is ${bytes} bytes; the limit is ${limits.maxPlanBytes}`, "$");
  }
}

function fromStepList(record: Record<string, unknown>): Plan {
  const parsed = StepListPlanSchema.safeParse(record);
  if (!parsed.success) throw zodFailure(parsed.error, record);
  const { goal, answer, decisions } = parsed.data;
  const issues: PlangraphError[] = [];
  const steps = parsed.data.steps.map((step, index) => readStep(step, `$.steps[${index}]`, issues));
  if (issues.length) throw new PlanValidationError(issues);
  return { form: "steps", ...(goal === undefined ? {} : { goal }), ...(answer === undefined ? {} : { answer }), steps, decisions };
}

/** Id syntax, uniqueness across steps and decisions, and that every named target exists. */
function checkIdentity(plan: Plan, limits: PlanLimits): PlangraphError[] {
  const issues: PlangraphError[] = [];
  if (plan.steps.length > limits.maxSteps) {
    throw fail("LIMIT_EXCEEDED", `the plan has ${plan.steps.length} steps; the limit is ${limits.maxSteps}`, "$.steps");
  }
  if (plan.decisions.length > limits.maxDecisions) {
    throw fail("LIMIT_EXCEEDED", `the plan has ${plan.decisions.length} decisions; the limit is ${limits.maxDecisions}`, "$.decisions");
  }
  const stepPath = (index: number) => (plan.form === "sectioned" ? `$.${plan.steps[index]?.id}` : `$.steps[${index}]`);
  const seen = new Map<string, string>();
  const checkId = (id: string, path: string) => {
    if (!STEP_ID_PATTERN.test(id)) {
      issues.push(new PlangraphError("BAD_ID", `id '${echo(id)}' is not allowed: ids match [A-Za-z_][A-Za-z0-9_-]{0,63}`, { path: `${path}.id`, step: id }));
    } else if (Object.prototype.hasOwnProperty.call(Object.prototype, id)) {
      // LangGraph keeps node and channel names in plain objects: such a name collides with them.
      issues.push(new PlangraphError("BAD_ID", `id '${echo(id)}' is reserved (it names a built-in object property)`, { path: `${path}.id`, step: id }));
    } else if (id.startsWith("__")) {
      issues.push(new PlangraphError("BAD_ID", `id '${echo(id)}' may not start with '__' (LangGraph reserves such names)`, { path: `${path}.id`, step: id }));
    }
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      issues.push(new PlangraphError("DUPLICATE_ID", `id '${echo(id)}' is used twice (${earlier} and ${path})`, { path: `${path}.id`, step: id }));
    } else seen.set(id, path);
  };
  plan.steps.forEach((step, index) => checkId(step.id, stepPath(index)));
  plan.decisions.forEach((decision, index) => checkId(decision.id, `$.decisions[${index}]`));

  const stepIds = new Set(plan.steps.map((s) => s.id));
  const decisionIds = new Set(plan.decisions.map((d) => d.id));
  const checkTargets = (ids: readonly string[], path: string, kind: "step" | "decision", ownerId: string, what: string, paths?: readonly string[]) => {
    const owner = `${kind} '${echo(ownerId)}'`;
    ids.forEach((id, i) => {
      if (stepIds.has(id)) return;
      const message = decisionIds.has(id)
        ? `${owner} ${what} '${echo(id)}', which is a decision, not a step`
        : `${owner} ${what} unknown step '${echo(id)}'${didYouMean(id, stepIds)}`;
      issues.push(new PlangraphError("UNKNOWN_STEP", message, { path: paths?.[i] ?? `${path}[${i}]`, step: ownerId }));
    });
  };
  plan.steps.forEach((step, index) => {
    const written = dependencyPaths.get(step);
    checkTargets(step.depends_on, `${stepPath(index)}.depends_on`, "step", step.id, "depends on", written);
    checkTargets(step.optional_depends_on, `${stepPath(index)}.optional_depends_on`, "step", step.id, "optionally depends on");
    if (step.depends_on.includes(step.id) || step.optional_depends_on.includes(step.id)) {
      const self = written?.[step.depends_on.indexOf(step.id)] ?? `${stepPath(index)}.depends_on`;
      issues.push(new PlangraphError("PLAN_CYCLE", `step '${echo(step.id)}' depends on itself`, { path: self, step: step.id }));
    }
  });
  plan.steps.forEach((step, index) => issues.push(...checkSubPlanIdentity(step, stepPath(index), seen, limits)));
  plan.decisions.forEach((decision, index) => {
    const path = `$.decisions[${index}]`;
    checkTargets(decision.after, `${path}.after`, "decision", decision.id, "runs after");
    checkTargets(decision.then, `${path}.then`, "decision", decision.id, "branches to");
    checkTargets(decision.else, `${path}.else`, "decision", decision.id, "branches to");
    if ((decision.condition === undefined) === (decision.question === undefined)) {
      issues.push(
        new PlangraphError("BAD_DECISION", `decision '${echo(decision.id)}' needs exactly one of 'condition' (a rule) or 'question' (for the chat model)`, {
          path,
          step: decision.id,
        }),
      );
    }
    if (decision.then.length === 0 && decision.else.length === 0) {
      issues.push(new PlangraphError("BAD_DECISION", `decision '${echo(decision.id)}' has neither 'then' nor 'else' steps`, { path, step: decision.id }));
    }
    const both = decision.then.filter((id) => decision.else.includes(id));
    if (both.length) {
      issues.push(
        new PlangraphError("BAD_DECISION", `decision '${echo(decision.id)}' lists ${both.map((b) => `'${b}'`).join(", ")} in both 'then' and 'else'`, {
          path,
          step: decision.id,
        }),
      );
    }
  });
  return issues;
}

/**
 * A sub-plan's own identity rules (its ids, their targets), checked as a plan of its own and
 * reported under the outer step; its ids may not reuse an outer id, so a reference names one
 * step wherever it is written.
 */
function checkSubPlanIdentity(step: Plan["steps"][number], path: string, outerIds: ReadonlyMap<string, string>, limits: PlanLimits): PlangraphError[] {
  const inner = subPlanOf(step);
  if (!inner) return [];
  const innerIds = new Set([...inner.steps.map((s) => s.id), ...inner.decisions.map((d) => d.id)]);
  const issues = qualifyIssues(checkIdentity(inner, limits), step.id, path, innerIds);
  const at = (id: string) => {
    const stepIndex = inner.steps.findIndex((s) => s.id === id);
    return stepIndex >= 0 ? `${path}.steps[${stepIndex}].id` : `${path}.decisions[${inner.decisions.findIndex((d) => d.id === id)}].id`;
  };
  for (const id of innerIds) {
    const outer = outerIds.get(id);
    if (outer === undefined) continue;
    const message = `id '${echo(id)}' of sub-plan '${echo(step.id)}' is also used at ${outer}; ids of inner steps must differ from the outer plan's`;
    issues.push(new PlangraphError("DUPLICATE_ID", message, { path: at(id), step: innerName(step.id, id) }));
  }
  return issues;
}

function fail(code: PlangraphError["code"], message: string, path: string): PlanValidationError {
  return new PlanValidationError([new PlangraphError(code, message, { path })]);
}
