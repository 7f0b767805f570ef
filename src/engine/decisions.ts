import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { PreparedDecision } from "../analysis/prepare.js";
import { evaluateCondition } from "../conditions/index.js";
import { askDecision } from "../decide/index.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { DecisionOutcome } from "../model/records.js";
import type { DecisionEvaluator } from "./decision-evaluator.js";

export interface DecisionEvaluatorOptions {
  /** The chat model for `question` decisions; none → their default branch (source "fallback"). */
  chatModel?: BaseChatModel | null;
  goal?: string;
  /** Bound on one question to the model. */
  questionTimeoutMs?: number;
}

/**
 * Decides a decision from its inputs: a rule is evaluated over the step outputs (never `eval`);
 * a question is asked of the chat model with the `after` steps' results, and any model problem
 * takes the default branch with the cause recorded.
 */
export function createDecisionEvaluator(options: DecisionEvaluatorOptions = {}): DecisionEvaluator {
  return async (decision: PreparedDecision, outputs: OutputLookup, signal: AbortSignal): Promise<DecisionOutcome> => {
    if (decision.condition !== undefined) {
      const notes: string[] = [];
      const result = evaluateCondition(decision.condition, outputs, (missing) => notes.push(missing.message));
      return {
        status: "decided",
        branch: result.value ? "then" : "else",
        source: "rule",
        reason: result.explanation,
        ...(notes.length ? { cause: `missing: ${notes.join("; ")}` } : {}),
      };
    }
    const results: Record<string, unknown> = {};
    for (const id of decision.spec.after) {
      const output = outputs(id);
      if (output.ok) results[id] = output.value;
    }
    const record = await askDecision({
      ...(options.chatModel ? { model: options.chatModel } : {}),
      question: decision.spec.question ?? "",
      ...(options.goal ? { goal: options.goal } : {}),
      results,
      defaultBranch: decision.spec.default,
      signal,
      ...(options.questionTimeoutMs ? { timeoutMs: options.questionTimeoutMs } : {}),
    });
    return {
      status: "decided",
      branch: record.branch,
      source: record.source === "rule" ? "rule" : record.source,
      reason: record.reason,
      ...(record.cause ? { cause: record.cause } : {}),
      latency_ms: record.latency_ms,
    };
  };
}
