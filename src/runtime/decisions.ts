import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ConditionCompiler, PreparedDecision } from "../analysis/prepare.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { DecisionOutcome } from "./records.js";
import type { DecisionEvaluator } from "./scheduler.js";

/** Placeholder until the conditions module lands: rule decisions are rejected at compile time. */
export const compileConditionForPlan: ConditionCompiler | undefined = undefined;

export interface DecisionEvaluatorOptions {
  chatModel?: BaseChatModel | null;
  goal?: string;
}

export function createDecisionEvaluator(_options: DecisionEvaluatorOptions = {}): DecisionEvaluator {
  return async (decision: PreparedDecision, _outputs: OutputLookup): Promise<DecisionOutcome> => ({
    status: "decided",
    branch: decision.spec.default,
    source: "fallback",
    reason: `took the default '${decision.spec.default}'`,
    cause: "no chat model configured",
  });
}
