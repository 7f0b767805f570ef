import type { PreparedPlan } from "../analysis/prepare.js";
import { assembleResult, type RunResult } from "../engine/result.js";
import type { PlanScheduler } from "../engine/scheduler.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { RESULT_CHANNEL, STARTED_AT_CHANNEL } from "./channels.js";
import { escapeForState } from "./state-escape.js";

/** Writes from one superstep land in any order: keep the most complete; null starts a new run. */
export function resultReducer(current: unknown, next: unknown): unknown {
  if (next === null) return null;
  const resolved = (r: unknown) => (r as { resolved?: number } | null)?.resolved ?? -1;
  return resolved(next) >= resolved(current) ? next : current;
}

/** The `result` channel's update: the contract result as far as this run has got. */
export function resultUpdate(prepared: PreparedPlan, run: PlanScheduler, state: Record<string, unknown>, warnings: readonly string[], strict = false): Record<string, unknown> {
  const steps = new Map<string, StepRecord>();
  const decisions = new Map<string, DecisionOutcome>();
  for (const id of prepared.steps.keys()) {
    const record = run.stepRecord(id);
    if (record) steps.set(id, record);
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = run.decisionOutcome(id);
    if (outcome) decisions.set(id, outcome);
  }
  const origin = typeof state[STARTED_AT_CHANNEL] === "number" ? (state[STARTED_AT_CHANNEL] as number) : 0;
  const result: RunResult & { resolved: number } = {
    ...assembleResult({ prepared, steps, decisions, origin, ...(warnings.length ? { warnings: [...warnings] } : {}), ...(strict ? { strict: true } : {}) }),
    resolved: steps.size + decisions.size,
    // A served run's result says whom it ran for, as runPlan's does.
    ...(run.caller ? { context: run.caller } : {}),
  };
  // Steps still unresolved (behind a pending approval) are not "skipped" yet.
  result.skipped = result.skipped.filter((id) => steps.has(id));
  if (result.skipped.length + Object.keys(result.results).length + Object.keys(result.errors).length < prepared.steps.size && result.status === "completed") {
    result.status = run.pendingApprovals().length ? "interrupted" : result.status;
  }
  return { [RESULT_CHANNEL]: escapeForState(result) };
}
