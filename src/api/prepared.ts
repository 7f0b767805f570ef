import { preparePlan, type PreparedPlan } from "../analysis/prepare.js";
import { resolveLimits } from "../plan/limits.js";
import { createToolRegistry } from "../tools/registry.js";
import type { PlanOptions } from "./options.js";

/**
 * True for the output of `preparePlan` (what `compilePlan`, `runPlan` and `planSubgraph` accept
 * as well as raw plan input, so an entry point that validated a plan never prepares it twice).
 */
export function isPreparedPlan(value: unknown): value is PreparedPlan {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Partial<PreparedPlan>;
  return (
    candidate.steps instanceof Map &&
    candidate.decisions instanceof Map &&
    candidate.loops instanceof Map &&
    Array.isArray(candidate.order) &&
    typeof candidate.plan === "object" &&
    candidate.plan !== null &&
    typeof candidate.graph === "object"
  );
}

/** The prepared plan: as given, or prepared now with the options' registry and limits. */
export function preparedFrom(plan: unknown, options: PlanOptions): PreparedPlan {
  if (isPreparedPlan(plan)) return plan;
  const registry = options.registry ?? createToolRegistry(options.tools ?? []);
  return preparePlan(plan, { registry, limits: resolveLimits(options.limits) });
}
