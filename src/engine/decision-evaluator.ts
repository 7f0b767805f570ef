import type { PreparedDecision } from "../analysis/prepare.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { DecisionOutcome } from "../model/records.js";

/** Evaluates one decision once its inputs are known (rules, the chat model, or a fallback). */
export type DecisionEvaluator = (decision: PreparedDecision, outputs: OutputLookup, signal: AbortSignal) => Promise<DecisionOutcome>;
