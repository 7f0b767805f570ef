import { z } from "zod";
import { echo } from "../model/echo.js";
import { PlangraphError } from "../model/errors.js";
import type { PlanLimits } from "../plan/limits.js";
import type { PlanStep } from "../plan/schema.js";
import { STEP_ID_PATTERN, type Reference } from "../refs/grammar.js";
import { compileTemplate, type CheckBudget } from "../refs/template.js";
import { unwrapOutput, zodDef } from "../refs/zod-def.js";
import { schemasAtPath } from "../refs/schema-kinds.js";
import { LOOP_REF } from "./loops.js";

/** The element's position inside a for_each step: `{item_index}`. */
export const ITEM_INDEX = "item_index";
/** The element's default name inside a for_each step: `{item}`, `{item.ci_id}`. */
export const DEFAULT_ITEM_NAME = "item";

/** How a for_each step fans out, as compile time fixed it. */
export interface FanOut {
  /** The list the step runs over. */
  ref: Reference;
  /** The element's name in the step's params. */
  as: string;
  maxConcurrency?: number;
  onItemError: "fail" | "skip" | "collect";
  maxItems: number;
  /** JSON path of the `for_each` field, for errors. */
  path: string;
}

/** The pseudo ids a step's templates may name besides steps: the element and its index. */
export function elementIds(spec: PlanStep): [string, string] {
  return [spec.as ?? DEFAULT_ITEM_NAME, ITEM_INDEX];
}

/** True when `ref` names the element or its index of a step (never a real step). */
export function isElementReference(ref: Reference, ids: readonly string[]): boolean {
  return ids.includes(ref.step);
}

interface FanOutContext {
  referable: ReadonlySet<string>;
  stepIds: ReadonlySet<string>;
  decisionIds: ReadonlySet<string>;
  budget: CheckBudget;
  limits: PlanLimits;
  issues: PlangraphError[];
}

/**
 * Checks the for_each fields of a step and returns its fan-out (undefined for a plain step, or
 * when a field is wrong: each problem is reported, naming the step and the field).
 */
export function compileFanOut(spec: PlanStep, path: string, context: FanOutContext): FanOut | undefined {
  const { issues } = context;
  const bad = (field: string, message: string) => issues.push(new PlangraphError("BAD_FOR_EACH", `step '${echo(spec.id)}': ${message}`, { path: `${path}.${field}`, step: spec.id }));
  if (spec.for_each === undefined) {
    for (const field of ["as", "max_concurrency", "on_item_error", "max_items"] as const) {
      if (spec[field] !== undefined) bad(field, `'${field}' needs 'for_each'`);
    }
    return undefined;
  }
  const as = spec.as ?? DEFAULT_ITEM_NAME;
  const before = issues.length;
  if (!STEP_ID_PATTERN.test(as) || as === ITEM_INDEX || as === LOOP_REF) bad("as", `'as' must be an id (letters, digits, '_' or '-', not '${ITEM_INDEX}'), got '${echo(as)}'`);
  else if (context.stepIds.has(as) || context.decisionIds.has(as)) bad("as", `the element name '${echo(as)}' is also a step or decision id; choose another with "as"`);
  if (context.stepIds.has(ITEM_INDEX)) bad("for_each", `a step is named '${ITEM_INDEX}', which for_each steps use for the element's position`);
  const ref = listReference(spec, path, context);
  if (!ref || issues.length > before) return undefined;
  const maxItems = spec.max_items ?? context.limits.maxItemsPerStep;
  return {
    ref,
    as,
    ...(spec.max_concurrency !== undefined ? { maxConcurrency: spec.max_concurrency } : {}),
    onItemError: spec.on_item_error ?? "fail",
    maxItems,
    path: `${path}.for_each`,
  };
}

/** The `for_each` value must be exactly one reference to a step's output, nothing around it. */
function listReference(spec: PlanStep, path: string, context: FanOutContext): Reference | undefined {
  const field = `${path}.for_each`;
  let template;
  try {
    template = compileTemplate(spec.for_each, { steps: context.referable, unreferenceable: context.decisionIds, owner: spec.id, path: field, budget: context.budget });
  } catch (error) {
    if (error instanceof PlangraphError) context.issues.push(error);
    else throw error;
    return undefined;
  }
  if (template.kind !== "whole" || template.ref.step === LOOP_REF) {
    context.issues.push(
      new PlangraphError("BAD_FOR_EACH", `step '${echo(spec.id)}': for_each must be one reference to a list, such as "{topology.data.rows}", got ${echo(JSON.stringify(spec.for_each), 80)}`, {
        path: field,
        step: spec.id,
      }),
    );
    return undefined;
  }
  return template.ref;
}

/** References to an element a step does not have: `{item}` without for_each, or beside `"as": "row"`. */
export function checkStrayElementReferences(spec: PlanStep, path: string, stray: readonly Reference[], issues: PlangraphError[]): void {
  const first = stray[0];
  if (!first) return;
  const why = spec.for_each === undefined ? `only a step with "for_each" has an element` : `this step names its element '${echo(spec.as ?? DEFAULT_ITEM_NAME)}' ("as")`;
  issues.push(new PlangraphError("BAD_FOR_EACH", `step '${echo(spec.id)}' references ${echo(first.text, 80)}, but ${why}`, { path, step: spec.id }));
}

/**
 * What other steps read from a step: its tool's output (a sub-plan's: the object of its inner
 * steps' outputs); a for_each step's output is the list of those.
 */
export function stepOutputSchema(step: { forEach?: FanOut; tool?: { traits: { outputSchema?: unknown } }; subPlan?: { outputSchema: unknown } }): unknown {
  const schema = step.subPlan ? step.subPlan.outputSchema : step.tool?.traits.outputSchema;
  if (schema === undefined || !step.forEach) return schema;
  if (!zodDef(schema)) return undefined; // not zod: nothing is known of its elements either
  // A collected failure is a null entry.
  return z.array(step.forEach.onItemError === "collect" ? (schema as z.ZodType).nullable() : (schema as z.ZodType));
}

/**
 * The schema of one element of a for_each step's list, where the source declares it as exactly
 * one list shape; undefined when unknown (no schema, open, or several shapes).
 */
export function elementSchema(fanOut: FanOut, source: Parameters<typeof stepOutputSchema>[0] | undefined): unknown {
  const schema = source && stepOutputSchema(source);
  if (!schema) return undefined;
  const found = schemasAtPath(schema, fanOut.ref.segments);
  const lists = (found ?? []).map((s) => zodDef(unwrapOutput(s))).filter((def) => def?.type === "array");
  return lists.length === 1 && found!.length === 1 ? lists[0]!.element : undefined;
}
