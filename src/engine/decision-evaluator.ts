import type { PreparedDecision } from "../analysis/prepare.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { DecisionOutcome } from "../model/records.js";
import type { Clock } from "./clock.js";

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

/**
 * Runs the evaluator once: never rejects (an evaluator that throws, synchronously or not, gives
 * the fallback) and stamps the outcome with when it was decided and how long it took.
 */
export async function evaluateOnce(evaluate: DecisionEvaluator, decision: PreparedDecision, outputs: OutputLookup, signal: AbortSignal, clock: Clock): Promise<DecisionOutcome> {
  const started = clock.now();
  let outcome: DecisionOutcome;
  try {
    outcome = await evaluate(decision, outputs, signal);
  } catch (error) {
    outcome = fallbackOutcome(decision, error);
  }
  return { decided_at: clock.now(), latency_ms: clock.now() - started, ...outcome };
}
