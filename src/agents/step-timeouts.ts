import { normalizePlan } from "../plan/normalize.js";
import type { PlanLimits } from "../plan/limits.js";
import type { Plan } from "../plan/schema.js";

/**
 * A plan (either wire form, object or JSON text) normalised, with every step's `timeout_ms` at most
 * `maxStepMs` and steps without one given `maxStepMs`: on a shared server no single call may hold
 * a worker slot longer than the policy allows, whatever the plan asks. The timeout applies to each
 * attempt, as a plan's own `timeout_ms` does.
 *
 * The normalised plan is returned (so the run does not normalise it again); its steps are the ones
 * normalisation just made, owned by nobody else, and are capped in place because the normaliser
 * keeps per-step bookkeeping keyed by those very objects.
 */
export function capStepTimeouts(plan: unknown, maxStepMs: number, limits: PlanLimits): Plan {
  const normalized = normalizePlan(plan, limits);
  for (const step of normalized.steps) {
    // A sub-plan step calls no tool itself: its inner steps are the calls to cap.
    for (const call of step.steps ?? [step]) call.timeout_ms = Math.min(call.timeout_ms ?? maxStepMs, maxStepMs);
  }
  return normalized;
}
