import type { PreparedPlan } from "../analysis/prepare.js";
import { createDecisionEvaluator } from "../engine/decisions.js";
import type { DecisionEvaluator, RunEvent } from "../engine/scheduler.js";
import { defaultStepCache } from "../engine/step-cache.js";
import { buildPlanGraph, type PlanGraph } from "../langgraph/graph.js";
import type { PlanOptions } from "./options.js";
import { preparedFrom } from "./prepared.js";

/**
 * Prepares a plan (every compile-time check) and compiles it into a LangGraph graph. Takes raw
 * plan input or an already prepared plan. The graph may be invoked by any number of concurrent
 * runs; each gets its own scheduler, telemetry and result.
 */
export function compilePlan(plan: unknown, options: PlanOptions = {}): PlanGraph {
  return graphFor(preparedFrom(plan, options), options);
}

/** The caller's decision evaluator, or rules + the chat model (with the plan's goal as context). */
export function evaluatorFor(prepared: PreparedPlan, options: PlanOptions): DecisionEvaluator {
  return (
    options.evaluateDecision ??
    createDecisionEvaluator({ ...(options.chatModel !== undefined ? { chatModel: options.chatModel } : {}), ...(prepared.plan.goal ? { goal: prepared.plan.goal } : {}) })
  );
}

/** The graph of a prepared plan with the options' runtime (what runPlan compiles per run). */
export function graphFor(prepared: PreparedPlan, options: PlanOptions & { approveAll?: boolean }): PlanGraph {
  return buildPlanGraph(prepared, {
    evaluateDecision: evaluatorFor(prepared, options),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.strict ? { strict: true } : {}),
    ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}),
    ...(options.onEvent ? { onEvent: (event: RunEvent) => options.onEvent!(event) } : {}),
    cache: options.cache ?? defaultStepCache,
    ...(options.cacheTtlMs ? { cacheTtlMs: options.cacheTtlMs } : {}),
    ...(options.lazy ? { lazy: true } : {}),
    ...(options.resultChannel ? { resultChannel: true } : {}),
    ...(options.approveAll ? { approveAll: true } : {}),
    ...(options.failFast ? { failFast: true } : {}),
    ...(options.telemetry !== undefined ? { telemetry: options.telemetry } : {}),
    ...callerOfOptions(options),
  });
}

/** A fixed `caller` (a graph built for one authenticated run) is a `callerOf` that always answers it. */
function callerOfOptions(options: PlanOptions): { callerOf?: NonNullable<PlanOptions["callerOf"]> } {
  if (options.callerOf) return { callerOf: options.callerOf };
  const fixed = options.caller;
  return fixed ? { callerOf: () => fixed } : {};
}
