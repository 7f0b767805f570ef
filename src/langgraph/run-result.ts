import type { PreparedPlan } from "../analysis/prepare.js";
import { assembleResult, type PendingApproval, type RunResult } from "../engine/result.js";
import type { PlanScheduler } from "../engine/scheduler.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { interruptsOf } from "./internals.js";
import type { SchedulerSeed } from "./seed.js";
import { unescapeFromState } from "./state-escape.js";
import { stepToolName } from "../plan/sub-plans.js";

/** Every record a scheduler holds (its current iteration's, for loop bodies). */
export function recordsOf(prepared: PreparedPlan, scheduler: PlanScheduler): SchedulerSeed {
  const steps: Record<string, StepRecord> = {};
  const decisions: Record<string, DecisionOutcome> = {};
  for (const id of prepared.steps.keys()) {
    const record = scheduler.stepRecord(id);
    if (record) steps[id] = record;
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = scheduler.decisionOutcome(id);
    if (outcome) decisions[id] = outcome;
  }
  return { steps, decisions };
}

/** Earliest step start among records (the origin of a run whose start time is not in state). */
export function earliestStart(steps: ReadonlyMap<string, StepRecord>): number {
  let min = Infinity;
  for (const record of steps.values()) if (record.started_at !== undefined) min = Math.min(min, record.started_at);
  return Number.isFinite(min) ? min : 0;
}

/** What else a run's result says beyond its records. */
export interface RunResultExtras {
  /** Epoch ms the run started, when state does not say. */
  startedAt?: number;
  warnings?: string[];
  /** A missing reference in the plan's `answer` fails the run instead of warning. */
  strict?: boolean;
}

/**
 * The result of a graph run, from the run's scheduler (authoritative for everything this process
 * saw, including steps whose nodes never fired) completed with what the output state holds and
 * the approvals it is paused on.
 */
export function resultFromRun(prepared: PreparedPlan, scheduler: PlanScheduler | undefined, state: Record<string, unknown>, extras: RunResultExtras = {}): RunResult {
  const records = scheduler ? recordsOf(prepared, scheduler) : { steps: {}, decisions: {} };
  const steps = new Map<string, StepRecord>();
  const decisions = new Map<string, DecisionOutcome>();
  for (const id of prepared.steps.keys()) {
    const stored = state?.[stepChannel(id)] as StepRecord | null | undefined;
    const record = stored ? (unescapeFromState(stored) as StepRecord) : records.steps[id];
    if (record) steps.set(id, record);
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = (state?.[decisionChannel(id)] as DecisionOutcome | null | undefined) ?? records.decisions[id];
    if (outcome) decisions.set(id, outcome);
  }
  const interrupts = interruptsOf(state);
  const waiting = new Set<string>(scheduler?.pendingApprovals() ?? []);
  for (const item of interrupts) {
    if (item.value?.step) waiting.add(item.value.step);
    for (const id of item.value?.pending ?? []) waiting.add(id);
  }
  const pending: PendingApproval[] = [];
  for (const id of waiting) {
    const step = prepared.steps.get(id);
    if (!step || steps.has(id)) continue;
    const paused = interrupts.find((i) => i.value?.step === id)?.value;
    pending.push({ step: id, tool: stepToolName(step.spec), params: paused?.params ?? scheduler?.pendingInput(id) ?? null });
  }
  const fromState = state?.[STARTED_AT_CHANNEL];
  const origin = typeof fromState === "number" ? fromState : (extras.startedAt ?? earliestStart(steps));
  // Store writes that failed after their node had written its record (the scheduler has them all).
  const onRecords = new Set([...steps.values()].flatMap((r) => r.warnings ?? []));
  const warnings = [...(extras.warnings ?? []), ...(scheduler?.storeWarnings() ?? []).filter((w) => !onRecords.has(w))];
  return assembleResult({ prepared, steps, decisions, origin, pending, ...(warnings.length ? { warnings } : {}), ...(extras.strict ? { strict: true } : {}) });
}
