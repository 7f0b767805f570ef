import { z } from "zod";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { unique } from "../model/unique.js";
import type { PlanLimits } from "../plan/limits.js";
import type { PlanStep } from "../plan/schema.js";
import { innerName, qualifyIssues, subPlanOf } from "../plan/sub-plans.js";
import type { Reference } from "../refs/grammar.js";
import type { CheckBudget } from "../refs/template.js";
import { zodDef } from "../refs/zod-def.js";
import type { ToolRegistry } from "../tools/registry.js";
import { elementIds, stepOutputSchema } from "./for-each.js";
import type { PreparedPlan, PreparedStep } from "./prepared.js";
import type { StepDraft } from "./step-pass.js";

/** What the inner plan of a sub-plan may see of the plan around it. */
export interface OuterScope {
  /** The outer plan's steps prepared so far: references into them are checked against their schemas. */
  outer: ReadonlyMap<string, PreparedStep>;
  outerIds: ReadonlySet<string>;
  outerDecisionIds: ReadonlySet<string>;
  /** The outer step's element names when it has for_each (`item`, `item_index`). */
  element: readonly string[];
}

/** Analyses one plan in a scope (the engine of `preparePlan`; prepare.ts supplies it). */
export type AnalysePlan = (
  plan: NonNullable<ReturnType<typeof subPlanOf>>,
  context: { registry: ToolRegistry; limits: PlanLimits; budget: CheckBudget; scope: OuterScope },
) => PreparedPlan;

interface SubPlanContext {
  registry: ToolRegistry;
  limits: PlanLimits;
  budget: CheckBudget;
  stepIds: ReadonlySet<string>;
  decisionIds: ReadonlySet<string>;
  issues: PlangraphError[];
  analyse: AnalysePlan;
}

/**
 * Prepares every sub-plan step of a plan (in plan order, so a sub-plan can read an earlier one's
 * schema) and adds it to `steps`, which comes back in plan order. Each inner plan is checked as a
 * plan of its own whose references may also name outer steps; its errors are reported under the
 * outer step (`outer.inner`, `$.steps[3].steps[1]…`).
 */
export function prepareSubPlans(drafts: readonly StepDraft[], steps: Map<string, PreparedStep>, context: SubPlanContext): Map<string, PreparedStep> {
  for (const draft of drafts) {
    const inner = subPlanOf(draft.spec);
    if (!inner || (draft.spec.for_each !== undefined && !draft.forEach)) continue;
    const innerIds = new Set([...inner.steps.map((s) => s.id), ...inner.decisions.map((d) => d.id)]);
    const scope: OuterScope = {
      outer: steps,
      outerIds: context.stepIds,
      outerDecisionIds: context.decisionIds,
      element: draft.spec.for_each !== undefined ? elementIds(draft.spec) : [],
    };
    let prepared: PreparedPlan;
    try {
      prepared = context.analyse(inner, { registry: context.registry, limits: context.limits, budget: context.budget, scope });
    } catch (error) {
      if (!(error instanceof PlanValidationError)) throw error;
      context.issues.push(...qualifyIssues(error.issues, draft.id, draft.path, innerIds));
      continue;
    }
    // The run's policy may put side-effecting tools behind a human; an inner step cannot pause.
    const gated = [...prepared.steps.values()].find((s) => s.spec.requires_approval);
    if (gated) {
      context.issues.push(
        new PlangraphError(
          "PLAN_INVALID",
          `step '${innerName(draft.id, gated.id)}' calls '${gated.tool?.name}', which has side effects, and this run's policy (approveSideEffects) pauses such steps for approval, which steps inside a sub-plan cannot; run it as an outer step`,
          { path: `${draft.path}.steps[${gated.index}]`, step: innerName(draft.id, gated.id) },
        ),
      );
      continue;
    }
    const loop = [...prepared.loops.keys()][0];
    if (loop !== undefined) {
      context.issues.push(
        new PlangraphError("PLAN_INVALID", `decision '${innerName(draft.id, loop)}' loops back, which a sub-plan cannot; put the loop in the outer plan`, {
          path: `${draft.path}.decisions[${prepared.decisions.get(loop)!.index}]`,
          step: innerName(draft.id, loop),
        }),
      );
      continue;
    }
    steps.set(draft.id, subPlanStep(draft, prepared, context.stepIds));
  }
  return new Map([...steps].sort(([, a], [, b]) => a.index - b.index));
}

/** The outer view of a sub-plan step: it waits for every outer step its inner steps read. */
function subPlanStep(draft: StepDraft, prepared: PreparedPlan, outerIds: ReadonlySet<string>): PreparedStep {
  const outerRefs = outerReferences(prepared, outerIds);
  const references = draft.forEach ? [draft.forEach.ref, ...outerRefs] : outerRefs;
  const spec: PlanStep = draft.spec;
  const deps = unique([...spec.depends_on, ...spec.optional_depends_on, ...references.map((r) => r.step)]).filter((d) => d !== spec.id);
  return {
    id: draft.id,
    index: draft.index,
    spec,
    input: { kind: "literal", value: {} },
    references,
    deps,
    optionalDeps: new Set(spec.optional_depends_on),
    ...(draft.forEach ? { forEach: draft.forEach } : {}),
    subPlan: { prepared, outputSchema: subPlanOutputSchema(prepared), path: draft.path },
  };
}

/** References of inner steps and decisions that read outer steps. */
function outerReferences(prepared: PreparedPlan, outerIds: ReadonlySet<string>): Reference[] {
  const refs: Reference[] = [];
  for (const step of prepared.steps.values()) refs.push(...step.references.filter((r) => outerIds.has(r.step)));
  for (const decision of prepared.decisions.values()) refs.push(...(decision.condition?.references ?? []).filter((r) => outerIds.has(r.step)));
  return refs;
}

/**
 * One run of a sub-plan gives an object with a key per inner step: its output, or null when it
 * did not run (a decision's other branch). A step whose tool declares no zod schema is open.
 */
function subPlanOutputSchema(prepared: PreparedPlan): unknown {
  const shape: Record<string, z.ZodType> = {};
  for (const step of prepared.steps.values()) {
    const schema = stepOutputSchema(step);
    shape[step.id] = zodDef(schema) ? (schema as z.ZodType).nullable() : z.unknown();
  }
  return z.object(shape);
}

/** The distinct LangChain tools a prepared plan calls, its sub-plans' inner steps included. */
export function planTools(prepared: PreparedPlan): Set<NonNullable<PreparedStep["tool"]>["tool"]> {
  const tools = new Set<NonNullable<PreparedStep["tool"]>["tool"]>();
  for (const step of prepared.steps.values()) {
    if (step.tool) tools.add(step.tool.tool);
    if (step.subPlan) for (const tool of planTools(step.subPlan.prepared)) tools.add(tool);
  }
  return tools;
}
