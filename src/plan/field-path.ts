import { pathMember } from "../model/json-path.js";
import type { PlanStep } from "./schema.js";

/**
 * Per step's `output_mapping` object, the JSON path where each key was written when that was not
 * the step's own `output_mapping` (the sectioned form's list of `tool_dependencies` merges its
 * mappings in). Keyed by the mapping object, which copies of the step share.
 */
const writtenElsewhere = new WeakMap<object, ReadonlyMap<string, string>>();

/** Records where the mapping keys that did not come from the step itself were written. */
export function recordMappingPaths(outputMapping: Record<string, unknown>, paths: ReadonlyMap<string, string>): void {
  if (paths.size) writtenElsewhere.set(outputMapping, paths);
}

/**
 * The JSON path of one input field of a step as the user wrote it: its `output_mapping` entry
 * (wherever that was written) or its `params` entry. `stepPath` is the step's own path.
 */
export function inputFieldPath(stepPath: string, spec: Pick<PlanStep, "output_mapping">, key: string): string {
  const written = writtenElsewhere.get(spec.output_mapping)?.get(key);
  if (written !== undefined) return written;
  const half = Object.prototype.hasOwnProperty.call(spec.output_mapping, key) ? "output_mapping" : "params";
  return `${stepPath}.${half}${pathMember(key)}`;
}

// Steps that named their tool by another field than `tool` (the original planner's `tool_type`).
const toolFields = new WeakMap<object, string>();

/** Records that a step's tool was written in `field` rather than `tool`. */
export function recordToolField(step: PlanStep, field: string): void {
  if (field !== "tool") toolFields.set(step, field);
}

/** The JSON path of the field where a step named its tool. */
export function toolFieldPath(stepPath: string, spec: PlanStep): string {
  return `${stepPath}.${toolFields.get(spec) ?? "tool"}`;
}
