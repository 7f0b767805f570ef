import type { PreparedPlan } from "../analysis/prepare.js";
import type { CompletionStore } from "../durability/completion-store.js";
import type { RunResult } from "../engine/result.js";
import type { PlanScheduler } from "../engine/scheduler.js";
import { RUN_ID_CHANNEL } from "../langgraph/channels.js";
import { guardStore } from "../langgraph/durable-guards.js";
import type { PlanGraph } from "../langgraph/graph.js";
import { recordsOf } from "../langgraph/run-result.js";
import { seedFrom, type SchedulerSeed } from "../langgraph/seed.js";
import { describeError, PlangraphError } from "../model/errors.js";
import { runLegacy } from "./legacy.js";
import type { RunPlanOptions } from "./options.js";
import { stepsNeedingApproval } from "./policy.js";
import type { CallScope } from "../engine/call-scope.js";

/** The broken run, as far as it got. */
export interface FailedRun {
  prepared: PreparedPlan;
  graph: PlanGraph;
  options: RunPlanOptions;
  store: CompletionStore;
  /** The run has a durable checkpointer: the fallback must keep its record, or refuse. */
  durable: boolean;
  scheduler: PlanScheduler | undefined;
  warnings: string[];
  /** Who the run's tool calls are for, and their audit trail. */
  scope?: CallScope;
}

/**
 * Finishes a plan whose orchestration broke (a genuine bug of ours) with the flat sequential
 * executor, reusing every step that already completed so no tool runs twice. A durable run keeps
 * its durability: the fallback starts from what the checkpoint and the completion store hold and
 * records every completion in the same store under the same run id, so a later resume of the
 * thread calls nothing again; where it cannot (no run id, an approval to wait for) it refuses with
 * a typed error instead of running without a record.
 */
export async function fallBack(error: unknown, run: FailedRun): Promise<RunResult> {
  const { prepared, options } = run;
  // Tools already in flight finish and are reused: aborting them would cost them their single call.
  await run.scheduler?.whenIdle();
  run.scheduler?.abort();
  const cause = describeError(error);
  const warning = `orchestration failed (${cause}); finished the plan in sequential fallback mode`;
  if (!run.durable) {
    process.emitWarning?.(warning, { code: "PLANGRAPH_FALLBACK" });
    const seed = run.scheduler ? recordsOf(prepared, run.scheduler) : { steps: {}, decisions: {} };
    return runLegacy(prepared, options, { seed, warnings: [...run.warnings, warning], ...(run.scope ? { scope: run.scope } : {}) });
  }
  let failure: PlangraphError | undefined;
  const store = guardStore(run.store, (e) => (failure ??= e));
  const { seed, runId } = await durableSeed(error, run, store);
  const unanswered = stepsNeedingApproval(prepared).filter((id) => !seed.steps[id]);
  if (unanswered.length && !options.approveAll) {
    throw refusal(error, `step '${unanswered[0]}' waits for approval, which the sequential fallback cannot pause for durably`, unanswered[0]);
  }
  process.emitWarning?.(warning, { code: "PLANGRAPH_FALLBACK" });
  const result = await runLegacy(prepared, options, { seed, warnings: [...run.warnings, warning], store, runId, ...(run.scope ? { scope: run.scope } : {}) });
  await store.settled();
  if (failure) throw failure;
  return result;
}

/** What a durable run already holds: checkpoint state, then the store, then this process's records. */
async function durableSeed(error: unknown, run: FailedRun, store: CompletionStore): Promise<{ seed: SchedulerSeed; runId: string }> {
  const { prepared, options } = run;
  const snapshot = await run.graph.getState({ configurable: { thread_id: options.threadId } });
  const values = (snapshot.values ?? {}) as Record<string, unknown>;
  const fromState = typeof values[RUN_ID_CHANNEL] === "string" ? (values[RUN_ID_CHANNEL] as string) : undefined;
  const runId = run.scheduler?.runId ?? fromState ?? options.runId;
  if (!runId) throw refusal(error, "the run has no id on record to keep its completions under");
  // State that belongs to an earlier run of the thread is not this run's.
  const state = fromState === undefined || fromState === runId ? values : {};
  const seed = seedFrom(prepared, state, await store.load(runId), []);
  if (run.scheduler) {
    const own = recordsOf(prepared, run.scheduler);
    Object.assign(seed.steps, own.steps);
    Object.assign(seed.decisions, own.decisions);
  }
  return { seed, runId };
}

function refusal(error: unknown, why: string, step?: string): PlangraphError {
  return new PlangraphError("INTERNAL", `orchestration failed (${describeError(error)}) and the durable run was not finished in the sequential fallback: ${why}; resume the thread once the cause is fixed`, {
    cause: error,
    ...(step ? { step } : {}),
  });
}
