import type { PreparedPlan } from "../analysis/prepare.js";
import { criticalPath, type Strategy } from "../analysis/graph.js";
import { ANSWER_KEY, answerProblem, renderAnswer } from "./answer.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { PendingApproval, RunResult } from "../model/result.js";

export type { PendingApproval, RunResult };

export interface AssembleInput {
  prepared: PreparedPlan;
  steps: ReadonlyMap<string, StepRecord>;
  decisions: ReadonlyMap<string, DecisionOutcome>;
  /** Epoch ms the run started (the origin of all timings). */
  origin: number;
  pending?: PendingApproval[];
  warnings?: string[];
  /** The run's `strict` option: the answer's missing references fail the run instead of warning. */
  strict?: boolean;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Builds the run's result (docs/RESULT-FORMAT.md) from the records of a run. Pure. */
export function assembleResult(input: AssembleInput): RunResult {
  const { prepared, steps, decisions, origin } = input;
  const pending = input.pending ?? [];
  const result: RunResult = {
    status: "completed",
    strategy: prepared.strategy,
    order: prepared.levels,
    results: {},
    errors: {},
    skipped: [],
    decisions: {},
    warnings: [...(input.warnings ?? [])],
    timings: {},
    makespan_ms: 0,
    critical_path_ms: 0,
    pending,
    critical_path: [],
    attempts: {},
    skip_reasons: {},
    error_codes: {},
    cached: [],
    iterations: {},
    waiting: [],
    approval_wait_ms: 0,
    inputs: {},
    items: {},
    item_errors: {},
  };
  const { failed: stepFailed, loopTime } = addStepRecords(result, input);
  let failed = stepFailed;
  addDecisions(result, decisions, origin);
  const duration = (id: string) => {
    const t = result.timings[id];
    if (t) return t.end_ms - t.start_ms + (loopTime.get(id) ?? 0);
    return result.decisions[id]?.latency_ms ?? 0;
  };
  const path = criticalPath(prepared.graph, duration, [...prepared.order]);
  result.critical_path_ms = round(path.ms);
  result.critical_path = path.path.filter((id) => duration(id) > 0 || prepared.steps.has(id));
  result.approval_wait_ms = round(approvalWait(prepared, steps, decisions, origin));
  // An interrupted run has no answer yet: the steps it reads may still be waiting for a human.
  const answer = pending.length ? undefined : renderAnswer(prepared, steps);
  if (answer && answer.missing.length && input.strict) {
    failed = true;
    result.errors[ANSWER_KEY] = answerProblem(answer.missing);
    result.error_codes[ANSWER_KEY] = "MISSING_REFERENCE";
  } else if (answer) {
    for (const m of answer.missing) result.warnings.push(`answer: ${m.message} (rendered as empty text)`);
    result.answer = answer.text;
  }
  result.status = pending.length ? "interrupted" : failed ? "failed" : "completed";
  return result;
}

/**
 * Milliseconds the run spent waiting for a human: for each step that needed approval and then
 * ran, the time from when it could have started (its last dependency's end, or the run's start)
 * to when it did. Overlapping waits count once. The makespan includes this time; the summary's
 * ratio to the critical path leaves it out, since no scheduler can run ahead of a person.
 */
function approvalWait(prepared: PreparedPlan, steps: ReadonlyMap<string, StepRecord>, decisions: ReadonlyMap<string, DecisionOutcome>, origin: number): number {
  const spans: Array<[number, number]> = [];
  for (const step of prepared.steps.values()) {
    const started = steps.get(step.id)?.started_at;
    if (!step.spec.requires_approval || started === undefined) continue;
    const ready = Math.max(origin, ...step.deps.map((dep) => steps.get(dep)?.ended_at ?? decisions.get(dep)?.decided_at ?? origin));
    if (started > ready) spans.push([ready, started]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = -Infinity;
  for (const [from, to] of spans) {
    const start = Math.max(from, reach);
    if (to > start) total += to - start;
    reach = Math.max(reach, to);
  }
  return total;
}

/** Each step's record into results, errors, skipped, timings and the other per-step fields. */
function addStepRecords(result: RunResult, input: AssembleInput): { failed: boolean; loopTime: Map<string, number> } {
  const { prepared, steps, origin } = input;
  const pending = input.pending ?? [];
  const pendingIds = new Set(pending.map((p) => p.step));
  // Time a loop-body step spent in earlier iterations: the critical path runs through every pass.
  const loopTime = new Map<string, number>();
  let failed = false;
  for (const id of prepared.steps.keys()) {
    const record = steps.get(id);
    if (record?.warnings) result.warnings.push(...record.warnings);
    if (record?.started_at !== undefined && record.ended_at !== undefined) {
      result.timings[id] = { start_ms: round(record.started_at - origin), end_ms: round(record.ended_at - origin) };
      result.makespan_ms = Math.max(result.makespan_ms, round(record.ended_at - origin));
    }
    if (record && record.attempts > 0) result.attempts[id] = record.attempts;
    if (record?.input !== undefined) result.inputs[id] = record.input;
    if (record?.cached) result.cached.push(id);
    if (record?.iteration !== undefined) {
      result.iterations[id] = [...(record.earlier ?? []).map((r) => r.output ?? null), record.status === "done" ? record.output : null];
      loopTime.set(id, (record.earlier ?? []).reduce((ms, r) => ms + (r.ended_at !== undefined && r.started_at !== undefined ? r.ended_at - r.started_at : 0), 0));
    }
    if (record?.items) addElements(result, id, record, origin);
    if (record?.status === "done") result.results[id] = record.output;
    else if (record?.status === "failed") {
      failed = true;
      result.errors[id] = record.error?.message ?? "failed";
      result.error_codes[id] = record.error?.code ?? "TOOL_FAILED";
    } else if (record?.status === "rejected") {
      result.errors[id] = record.error?.message ?? `step '${id}' was rejected`;
      result.error_codes[id] = "STEP_REJECTED";
    } else if (pendingIds.has(id)) {
      continue;
    } else if (!record && pending.length) {
      result.waiting.push(id);
    } else {
      result.skipped.push(id);
      result.skip_reasons[id] = record?.reason ?? "not run";
    }
  }
  return { failed, loopTime };
}

/** A for_each step's element spans (relative to the run's start) and its failed elements' errors. */
function addElements(result: RunResult, id: string, record: StepRecord, origin: number): void {
  const items = record.items!;
  result.items![id] = {
    total: items.total,
    done: items.done,
    failed: items.failed,
    elements: items.elements.map((e) => ({
      index: e.index,
      status: e.status,
      ...(e.started_at !== undefined ? { start_ms: round(e.started_at - origin) } : {}),
      ...(e.ended_at !== undefined ? { end_ms: round(e.ended_at - origin) } : {}),
    })),
  };
  if (record.item_errors) result.item_errors![id] = { ...record.item_errors };
}

/** The decided decisions, with times relative to the run's start. */
function addDecisions(result: RunResult, decisions: ReadonlyMap<string, DecisionOutcome>, origin: number): void {
  for (const [id, outcome] of decisions) {
    if (outcome.status !== "decided" || !outcome.branch || !outcome.source) continue;
    result.decisions[id] = {
      branch: outcome.branch,
      source: outcome.source,
      reason: outcome.reason,
      ...(outcome.cause ? { cause: outcome.cause } : {}),
      ...(outcome.latency_ms !== undefined ? { latency_ms: round(outcome.latency_ms) } : {}),
      ...(outcome.decided_at !== undefined ? { at_ms: round(outcome.decided_at - origin) } : {}),
      ...(outcome.iteration !== undefined ? { iterations: outcome.iteration } : {}),
    };
  }
}
