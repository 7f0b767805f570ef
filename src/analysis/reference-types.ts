import { echo } from "../model/echo.js";
import { PlangraphError } from "../model/errors.js";
import { pathMember } from "../model/json-path.js";
import { inputFieldPath } from "../plan/field-path.js";
import type { Reference } from "../refs/grammar.js";
import { checkPathAgainstSchema } from "../refs/schema-check.js";
import { acceptedKinds, describeKinds, kindsOverlap, producedKinds, schemasAtPath, unionKinds, type Kinds } from "../refs/schema-kinds.js";
import type { Template } from "../refs/template.js";
import { zodDef } from "../refs/zod-def.js";
import { elementSchema, ITEM_INDEX, stepOutputSchema } from "./for-each.js";
import type { PreparedStep } from "./prepared.js";
import type { StepDraft } from "./step-pass.js";

/**
 * References into a tool's declared output must exist in its output schema. Every step is checked,
 * including those whose own tool is unknown: only the target's schema is needed.
 */
export function checkOutputPaths(drafts: readonly StepDraft[], steps: ReadonlyMap<string, PreparedStep>, issues: PlangraphError[]): void {
  for (const draft of drafts) {
    for (const ref of draft.references) {
      const target = steps.get(ref.step);
      const schema = target && stepOutputSchema(target);
      if (!schema) continue;
      const check = checkPathAgainstSchema(schema, ref.segments);
      if (!check.ok) {
        issues.push(
          new PlangraphError(
            "REFERENCE_NOT_IN_SCHEMA",
            `step '${echo(draft.id)}' references ${echo(ref.text, 120)}, but ${producerOf(target)} cannot return that: ${check.message}`,
            { path: draft.path, step: draft.id },
          ),
        );
      }
    }
  }
}

/** Who produces a step's output, for errors: its tool, or its sub-plan. */
export function producerOf(step: PreparedStep): string {
  return step.subPlan ? `sub-plan '${step.id}' (its steps: ${[...step.subPlan.prepared.steps.keys()].map((id) => `'${id}'`).join(", ")})` : `tool '${step.tool?.name}' of step '${step.id}'`;
}

/**
 * Checks each reference's type against the parameter it feeds, where both schemas are known: the
 * referenced step's output schema and the consuming tool's input schema. A reference inside a
 * longer string yields a string. Rejected only when definitely incompatible: no kind the reference
 * can produce is accepted (unions, optionals, coercions, `catch` and transforms all widen what is
 * accepted). A reference that may be null (nullable in its schema, or missing at run time) into a
 * required parameter is not rejected here: at run time a missing value is null with a warning,
 * and the tool's input validation then fails the step, as the contract says.
 */
export function checkReferenceTypes(
  steps: ReadonlyMap<string, PreparedStep>,
  stepPath: (step: PreparedStep) => string,
  issues: PlangraphError[],
  /** Every step a reference may name (inside a sub-plan, outer steps too); `steps` by default. */
  targets: ReadonlyMap<string, PreparedStep> = steps,
): void {
  for (const step of steps.values()) {
    if (step.input.kind !== "object" || !step.tool) continue;
    for (const [key, template] of step.input.entries) {
      const field = fieldOf(step.tool.tool.schema, key);
      if (field === undefined) continue;
      checkTemplate(template, field, { step, steps: targets, param: key, path: inputFieldPath(stepPath(step), step.spec, key), issues });
    }
  }
}

interface Site {
  step: PreparedStep;
  steps: ReadonlyMap<string, PreparedStep>;
  /** The parameter as a dotted path inside the input, e.g. `filter.name` or `ids[0]`. */
  param: string;
  path: string;
  issues: PlangraphError[];
}

function checkTemplate(template: Template, schema: unknown, site: Site): void {
  switch (template.kind) {
    case "literal":
      return; // literal values are checked by checkLiteralParams
    case "whole": {
      const produced = referenceKinds(template.ref, site.steps, site.step);
      if (produced !== undefined) mismatch(site, schema, produced, `${echo(template.ref.text, 120)} is ${describeKinds(produced)}`);
      return;
    }
    case "text": {
      const first = template.parts.find((p): p is Reference => typeof p !== "string");
      mismatch(site, schema, new Set(["string"]), `${echo(first?.text ?? "the value", 120)} inside a longer string gives a string`);
      return;
    }
    case "array":
      if (!mismatch(site, schema, new Set(["array"]), "an array is given")) return;
      template.items.forEach((item, i) => {
        const element = childOf(schema, i);
        if (element !== undefined) checkTemplate(item, element, { ...site, param: `${site.param}[${i}]`, path: `${site.path}[${i}]` });
      });
      return;
    case "object":
      if (!mismatch(site, schema, new Set(["object"]), "an object is given")) return;
      for (const [key, item] of template.entries) {
        const field = childOf(schema, key);
        if (field !== undefined) checkTemplate(item, field, { ...site, param: `${site.param}${pathMember(key)}`, path: `${site.path}${pathMember(key)}` });
      }
  }
}

/** Reports when nothing `produced` can be accepted by `schema`; returns whether it fits. */
function mismatch(site: Site, schema: unknown, produced: Kinds, given: string): boolean {
  const accepted = acceptedKinds(schema);
  if (kindsOverlap(produced, accepted)) return true;
  site.issues.push(
    new PlangraphError(
      "REFERENCE_TYPE_MISMATCH",
      `step '${echo(site.step.id)}': parameter '${echo(site.param)}' of tool '${site.step.tool?.name}' takes ${describeKinds(accepted)}, but ${given}`,
      { path: site.path, step: site.step.id },
    ),
  );
  return false;
}

/**
 * What a reference can be, from its target's output schema (or, for a for_each step's element,
 * the list's element schema); undefined when not known.
 */
function referenceKinds(ref: Reference, steps: ReadonlyMap<string, PreparedStep>, owner: PreparedStep): Kinds | undefined {
  const target = steps.get(ref.step);
  const fanOut = target ? undefined : owner.forEach;
  if (fanOut && ref.step === ITEM_INDEX) return new Set(["number"]);
  const schema = target ? stepOutputSchema(target) : fanOut && ref.step === fanOut.as ? elementSchema(fanOut, steps.get(fanOut.ref.step)) : undefined;
  if (!schema) return undefined;
  const found = schemasAtPath(schema, ref.segments);
  // Open schemas say nothing; a path not in the schema is reported by checkOutputPaths.
  if (found === undefined || found.length === 0) return undefined;
  const kinds = unionKinds(found.map((s) => producedKinds(s)));
  return kinds === "any" ? undefined : kinds;
}

/** The schema of a top-level parameter of a tool's (object) input schema. */
function fieldOf(schema: unknown, key: string): unknown {
  const shape = zodDef(schema)?.shape;
  return shape && Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : undefined;
}

/** The input-side schema of a member or element: wrappers unwrapped, anything else unknown. */
function childOf(schema: unknown, key: string | number): unknown {
  let def = zodDef(schema);
  for (let hops = 0; def && hops < 16; hops++) {
    if (def.type === "optional" || def.type === "nullable" || def.type === "default" || def.type === "prefault" || def.type === "readonly" || def.type === "nonoptional") {
      def = zodDef(def.innerType);
    } else if (def.type === "pipe") def = zodDef(def.in);
    else break;
  }
  if (!def) return undefined;
  if (def.type === "object" && typeof key === "string") return def.shape && Object.prototype.hasOwnProperty.call(def.shape, key) ? def.shape[key] : undefined;
  if (def.type === "array" && typeof key === "number") return def.element;
  return undefined;
}
