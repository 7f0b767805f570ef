import type { PreparedDecision } from "../analysis/prepare.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { DecisionOutcome } from "../model/records.js";

/** Evaluates one decision once its inputs are known (rules, the chat model, or a fallback). */
export type DecisionEvaluator = (decision: PreparedDecision, outputs: OutputLookup, signal: AbortSignal) => Promise<DecisionOutcome>;

/** A decision whose evaluation threw or rejected takes its default branch, with the cause recorded. */
export function fallbackOutcome(decision: PreparedDecision, error: unknown): DecisionOutcome {
  return {
    status: "decided",
    branch: decision.spec.default,
    source: "fallback",
    reason: `evaluation failed; took the default '${decision.spec.default}'`,
    cause: error instanceof Error ? error.message : String(error),
  };
}
