import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { compilePlan, runPlan, type RunPlanOptions } from "../api/run-plan.js";
import type { PgCompletionStore } from "../durability/postgres.js";
import type { RunResult } from "../engine/result.js";
import type { RunEvent } from "../engine/scheduler.js";
import { approvalAnswers, pausedSteps, type SnapshotTask } from "../api/approval-answers.js";
import { RUN_ID_CHANNEL } from "../langgraph/channels.js";
import { CallerContextSchema } from "../model/caller.js";
import { PlangraphError } from "../model/errors.js";
import { CutOffAwareStore } from "./cut-off-store.js";
import { eventRedaction } from "./event-redaction.js";
import type { RunRow } from "./run-row.js";
import { ResumeAnswerSchema, type ResumeAnswer } from "./types.js";

/**
 * The checkpoint thread of a queued run. Threads are per tenant: the same thread id submitted by
 * two tenants is two threads, so one tenant's run never continues from another's checkpoints.
 */
export function durableThread(tenant: string, thread: string): string {
  return `${tenant}/${thread}`;
}

/**
 * What every run a worker holds takes from the worker: tools, chat model, limits, policy, its
 * tenant limiter… — everything but what belongs to the run itself (thread, caller, signal,
 * stores, resume), which the queue sets.
 */
export type WorkerRunOptions = Omit<RunPlanOptions, "threadId" | "signal" | "resume" | "runId" | "checkpointer" | "store" | "onEvent" | "caller">;

/** What a worker runs a claimed run with. */
export interface ExecuteInput {
  run: Pick<RunRow, "run_id" | "thread_id" | "tenant" | "plan" | "caller" | "resume_answer">;
  /** The run's first claim (not a takeover, hand-back or approval resume): its checkpoints need no reading. */
  fresh?: boolean;
  checkpointer: BaseCheckpointSaver;
  store: PgCompletionStore;
  /** The worker's tools, chat model, limits… */
  planOptions: WorkerRunOptions;
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
  durability?: RunPlanOptions["durability"];
  audit?: RunPlanOptions["audit"];
}

/**
 * Runs a claimed run to its end or its next approval pause, continuing from wherever it stands:
 *
 * - never started, or taken over before LangGraph's first checkpoint: started under its own run id,
 *   so every step whose completion reached the completion store is taken from there, not called;
 * - checkpointed (taken over after a crash, handed back by a draining worker, or resumed after an
 *   approval): continued from its last checkpoint, with the approvals `resumeRun` recorded.
 *
 * The run runs under the caller context it was submitted with.
 */
export async function executeRun(input: ExecuteInput): Promise<RunResult> {
  const { run, checkpointer, store } = input;
  const caller = CallerContextSchema.safeParse(run.caller);
  if (!caller.success) throw new PlangraphError("CONTEXT_SPOOFED", `run '${run.run_id}' carries a malformed caller context: refused`);
  const threadId = durableThread(run.tenant, run.thread_id);
  const graph = compilePlan(run.plan, { ...input.planOptions, checkpointer, chatModel: input.planOptions.chatModel ?? null });
  const redact = eventRedaction(graph.prepared);
  const base: RunPlanOptions = {
    ...input.planOptions,
    checkpointer,
    store: new CutOffAwareStore(store, input.signal),
    threadId,
    signal: input.signal,
    onEvent: (event) => input.onEvent(redact(event)),
    caller: caller.data,
    ...(input.durability ? { durability: input.durability } : {}),
    ...(input.audit ? { audit: input.audit } : {}),
  };
  const snapshot = input.fresh ? undefined : await graph.getState({ configurable: { thread_id: threadId } });
  if (!snapshot || snapshot.values?.[RUN_ID_CHANNEL] !== run.run_id) {
    // The thread's plan and run id go on record first, as `run --thread` does, so the CLI's
    // `resume` and `audit` see queued runs like any other.
    await store.savePlan(threadId, run.plan, undefined, run.run_id);
    return runPlan(graph.prepared, { ...base, runId: run.run_id });
  }
  const { approver: recordedApprover, ...recorded } = (run.resume_answer ?? {}) as { approver?: unknown };
  const answer = ResumeAnswerSchema.safeParse(recorded);
  const approver = CallerContextSchema.safeParse(recordedApprover);
  const resume = answer.success ? await resumeValue(answer.data, snapshot.tasks ?? [], store, run.run_id) : {};
  // Answers are given under their approver's context, so the policy's approver rules judge them.
  return runPlan(graph.prepared, { ...base, ...(approver.success ? { caller: approver.data } : {}), resume: Object.keys(resume).length ? resume : null });
}

/**
 * LangGraph's resume value for recorded approvals: answers to live interrupts by their id; answers
 * for steps still waiting behind another pause go to the completion store. A step that waits no
 * longer had its answer applied before a takeover: it is not answered twice.
 */
async function resumeValue(decided: ResumeAnswer, tasks: readonly SnapshotTask[], store: PgCompletionStore, runId: string): Promise<Record<string, unknown>> {
  const { live, waiting } = pausedSteps(tasks);
  const answers = approvalAnswers(decided);
  const resume: Record<string, unknown> = {};
  for (const [step, answer] of answers) {
    if (!waiting.has(step)) continue;
    const interruptId = live.get(step);
    if (interruptId) resume[interruptId] = answer;
    else await store.saveAnswer(runId, step, answer);
  }
  return resume;
}
