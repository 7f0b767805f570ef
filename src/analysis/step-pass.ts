import { echo } from "../model/echo.js";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { inputFieldPath, toolFieldPath } from "../plan/field-path.js";
import type { PlanLimits } from "../plan/limits.js";
import type { Plan, PlanStep } from "../plan/schema.js";
import type { Reference } from "../refs/grammar.js";
import { compileTemplate, templateReferences, type CheckBudget, type Template } from "../refs/template.js";
import type { RegisteredTool, ToolRegistry } from "../tools/registry.js";
import { unique } from "../model/unique.js";
import { checkLoopReferences, collect } from "./issues.js";
import { LOOP_REF } from "./loops.js";
import { checkLiteralParams } from "./params-check.js";
import type { PreparedStep } from "./prepared.js";
import { checkStrayElementReferences, compileFanOut, DEFAULT_ITEM_NAME, elementIds, isElementReference, ITEM_INDEX, type FanOut } from "./for-each.js";

/** What the step pass reads and where it reports. */
export interface StepPassContext {
  plan: Plan;
  registry: ToolRegistry;
  limits: PlanLimits;
  /** Ids a reference may name (every step, and the loop pseudo step). */
  referable: ReadonlySet<string>;
  decisionIds: ReadonlySet<string>;
  budget: CheckBudget;
  /** Filled in: who references `{__loop…}`, and where. */
  loopRefs: Map<string, string>;
  issues: PlangraphError[];
  /** Inside a sub-plan with for_each: the outer element's names (`{item}`, `{item_index}`). */
  outerElement?: readonly string[];
}

/** A step as far as it could be checked: a step whose tool is unknown still has its references. */
export interface StepDraft {
  id: string;
  index: number;
  spec: PlanStep;
  path: string;
  tool: RegisteredTool | undefined;
  input: Template | undefined;
  references: Reference[];
  /** A for_each step's fan-out, and its references to the element (`{item.ci_id}`). */
  forEach?: FanOut;
  elementReferences: Reference[];
}

/** JSON path of a step as the user wrote it. */
export function stepPath(plan: Plan, step: PlanStep, index: number): string {
  return plan.form === "sectioned" ? `$.${step.id}` : `$.steps[${index}]`;
}

/**
 * Checks every step in one pass: its tool (known, allowed), its input (references parsed, targets
 * known, limits), its literal parameters against the tool's schema. A step whose tool is unknown
 * or not allowed still has its references checked, so one report names every problem; only the
 * schema checks need a known tool.
 */
export function prepareSteps(context: StepPassContext): { steps: Map<string, PreparedStep>; drafts: StepDraft[] } {
  const { plan, limits, issues } = context;
  const steps = new Map<string, PreparedStep>();
  const drafts: StepDraft[] = [];
  const stepIds = new Set(plan.steps.map((s) => s.id));
  // Outside a for_each step `{item}` must be an error, not literal text: it is named like a reference.
  const outside = new Set([...context.referable, ...[DEFAULT_ITEM_NAME, ITEM_INDEX].filter((id) => !stepIds.has(id))]);
  plan.steps.forEach((spec, index) => {
    const path = stepPath(plan, spec, index);
    const forEach = compileFanOut(spec, path, { ...context, stepIds });
    // A sub-plan step has no tool and no input of its own: its inner steps are checked with its
    // sub-plan (sub-plan.ts), which turns the draft into a prepared step.
    if (spec.steps !== undefined) {
      drafts.push({ id: spec.id, index, spec, path, tool: undefined, input: undefined, references: forEach ? [forEach.ref] : [], ...(forEach ? { forEach } : {}), elementReferences: [] });
      return;
    }
    const tool = lookupTool(context, spec, path);
    const names: string[] = [...(context.outerElement ?? []), ...(spec.for_each !== undefined ? elementIds(spec) : [])];
    const referable = names.length ? new Set([...outside, ...names]) : outside;
    const { input, compiled } = compileInput(spec, path, { ...context, referable });
    overBudget(context);
    // References of the fields that compiled are checked even when another field failed.
    const allReferences = templateReferences(compiled);
    const elementReferences = names.length ? allReferences.filter((r) => isElementReference(r, names)) : [];
    const stray = (r: Reference) => !stepIds.has(r.step) && !names.includes(r.step) && isElementReference(r, [DEFAULT_ITEM_NAME, ITEM_INDEX]);
    checkStrayElementReferences(spec, path, allReferences.filter(stray), issues);
    const stepRefs = allReferences.filter((r) => r.step !== LOOP_REF && !isElementReference(r, names) && !stray(r));
    const references = forEach ? [forEach.ref, ...stepRefs] : stepRefs;
    drafts.push({ id: spec.id, index, spec, path, tool, input, references, ...(forEach ? { forEach } : {}), elementReferences });
    checkLoopReferences(allReferences, spec.id, path, context.loopRefs, issues);
    checkReferenceLimits(spec, path, references, limits, issues);
    if (!tool || !input || (spec.for_each !== undefined && !forEach)) return;
    const fieldPath = (key: string) => inputFieldPath(path, spec, key);
    // A step that is not run (an empty section) is never called: its input need not fit the tool.
    if (plan.notRun?.[spec.id] === undefined) issues.push(...checkLiteralParams(spec.id, tool.name, tool.tool.schema, input, `${path}.params`, fieldPath));
    const deps = unique([...spec.depends_on, ...spec.optional_depends_on, ...references.map((r) => r.step)]).filter((d) => d !== spec.id);
    // The run's policy may put every side-effecting call behind a human.
    const gated = limits.approveSideEffects && tool.traits.sideEffects && !spec.requires_approval ? { ...spec, requires_approval: true } : spec;
    steps.set(spec.id, { id: spec.id, index, spec: gated, tool, input, references, deps, optionalDeps: new Set(spec.optional_depends_on), ...(forEach ? { forEach } : {}) });
  });
  return { steps, drafts };
}

function lookupTool(context: StepPassContext, spec: PlanStep, path: string): RegisteredTool | undefined {
  if (spec.tool === undefined) return undefined; // normalisation has reported it
  const tool = context.registry.get(spec.tool);
  if (!tool) {
    context.issues.push(
      new PlangraphError("UNKNOWN_TOOL", `step '${echo(spec.id)}' uses unknown tool '${echo(spec.tool)}'${didYouMean(spec.tool, context.registry.names())}`, {
        path: toolFieldPath(path, spec),
        step: spec.id,
      }),
    );
    return undefined;
  }
  const allowed = context.limits.allowedTools;
  if (allowed && !allowed.includes(spec.tool)) {
    context.issues.push(new PlangraphError("UNKNOWN_TOOL", `step '${echo(spec.id)}' uses tool '${spec.tool}', which this run does not allow`, { path: toolFieldPath(path, spec), step: spec.id }));
    return undefined;
  }
  return tool;
}

/** Past the check budget nothing more is scanned: the plan is rejected with what was found. */
function overBudget(context: StepPassContext): void {
  const { budget } = context;
  if (budget.chars > budget.maxChars || budget.references > budget.maxReferences) throw new PlanValidationError(context.issues);
}

/** Over-long references and self-references, each reported once per step (a step may hold thousands). */
function checkReferenceLimits(spec: PlanStep, path: string, references: readonly Reference[], limits: PlanLimits, issues: PlangraphError[]): void {
  const tooLong = references.find((ref) => ref.text.length > limits.maxReferenceLength || ref.segments.length > limits.maxPathDepth);
  if (tooLong) {
    issues.push(
      new PlangraphError(
        "LIMIT_EXCEEDED",
        `step '${echo(spec.id)}' has a reference longer than the limits (${limits.maxReferenceLength} characters, ${limits.maxPathDepth} segments): ${echo(tooLong.text, 80)}`,
        { path, step: spec.id },
      ),
    );
  }
  const self = references.find((ref) => ref.step === spec.id);
  if (self) {
    issues.push(new PlangraphError("PLAN_CYCLE", `step '${echo(spec.id)}' references its own output (${echo(self.text, 80)})`, { path, step: spec.id }));
  }
}

/**
 * The step's input as one template (`input`, undefined when a field failed; each failure is
 * reported) and the template of the fields that did compile (`compiled`).
 */
function compileInput(spec: PlanStep, path: string, context: StepPassContext): { input: Template | undefined; compiled: Template } {
  // Own-property merge: a hostile plan key such as "__proto__" must stay a plain data key.
  const merged: Record<string, unknown> = {};
  for (const source of [spec.params, spec.output_mapping]) {
    for (const [key, value] of Object.entries(source)) {
      Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  const base = { steps: context.referable, unreferenceable: context.decisionIds, owner: spec.id, budget: context.budget };
  // Compile each half against its own path so errors point at the field the user wrote, and each
  // field on its own so every bad field is reported.
  const entries: Array<readonly [string, Template]> = [];
  let failed = false;
  for (const key of Object.keys(merged)) {
    const fieldPath = inputFieldPath(path, spec, key);
    const template = collect(context.issues, () => compileTemplate(merged[key], { ...base, path: fieldPath }));
    if (template === undefined) failed = true;
    else entries.push([key, template]);
  }
  const compiled: Template = entries.every(([, t]) => t.kind === "literal") ? { kind: "literal", value: merged } : { kind: "object", entries };
  return { input: failed ? undefined : compiled, compiled };
}
