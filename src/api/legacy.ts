import type { PreparedPlan } from "../analysis/prepare.js";
import { systemClock } from "../engine/clock.js";
import type { CompletionStore } from "../durability/completion-store.js";
import { assembleResult, type RunResult } from "../engine/result.js";
import { PlanScheduler, type ApprovalAnswer } from "../engine/scheduler.js";
import { defaultStepCache } from "../engine/step-cache.js";
import { earliestStart, recordsOf } from "../langgraph/run-result.js";
import type { SchedulerSeed } from "../langgraph/seed.js";
import { evaluatorFor } from "./compile-plan.js";
import type { RunPlanOptions } from "./options.js";
import type { CallScope } from "../engine/call-scope.js";

/** Where the flat executor starts from and records to. */
export interface LegacyRun {
  /** Records already known (completed before a fallback): never executed again. */
  seed: SchedulerSeed;
  warnings?: string[];
  /** A durable run's completion store and run id: the fallback records every completion there too. */
  store?: CompletionStore;
  runId?: string;
  /** Who the run's tool calls are for, and their audit trail. */
  scope?: CallScope;
}

/**
 * The flat legacy executor (the seed's sequential layer): the same step semantics, one step at a
 * time in dependency order, without LangGraph. Also the fallback when orchestration breaks.
 */
export async function runLegacy(prepared: PreparedPlan, options: RunPlanOptions, run: LegacyRun): Promise<RunResult> {
  const clock = options.clock ?? systemClock;
  const origin = clock.now();
  const scheduler = new PlanScheduler({
    prepared,
    runId: run.runId ?? "legacy",
    clock,
    evaluateDecision: evaluatorFor(prepared, options),
    maxConcurrency: 1,
    seed: run.seed,
    ...(run.store ? { store: run.store } : {}),
    ...(options.failFast ? { failFast: true } : {}),
    cache: options.cache ?? defaultStepCache,
    ...(options.cacheTtlMs ? { cacheTtlMs: options.cacheTtlMs } : {}),
    ...(options.strict ? { strict: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(run.scope ? { scope: run.scope } : {}),
  });
  scheduler.start();
  await scheduler.whenIdle();
  if (options.approveAll) {
    for (;;) {
      const waiting = scheduler.pendingApprovals();
      if (!waiting.length) break;
      for (const id of waiting) scheduler.answerApproval(id, { action: "approve" } satisfies ApprovalAnswer);
      await scheduler.whenIdle();
    }
  }
  const records = recordsOf(prepared, scheduler);
  const steps = new Map(Object.entries(records.steps));
  const pending = scheduler.pendingApprovals().map((id) => ({ step: id, tool: prepared.steps.get(id)!.spec.tool, params: scheduler.pendingInput(id) ?? null }));
  return assembleResult({
    prepared,
    steps,
    decisions: new Map(Object.entries(records.decisions)),
    origin: Object.keys(run.seed.steps).length ? earliestStart(steps) : origin,
    pending,
    warnings: run.warnings ?? [],
    ...(options.strict ? { strict: true } : {}),
  });
}
