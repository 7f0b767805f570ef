import { createHash } from "node:crypto";
import type { ToolRunnableConfig } from "@langchain/core/tools";
import { callerFromConfig, type CallerContext } from "../model/caller.js";
import { PlangraphError } from "../model/errors.js";
import type { RunEvent } from "../engine/scheduler.js";
import type { ToolRegistry } from "../tools/registry.js";
import { cancelRun, submitRun, waitForRun, type QueuedRunResult, type SubmittedRun } from "../queue/index.js";

/** Where the plan tool (or the ops agent) hands its plans: the worker pool's PostgreSQL (see docs/SCALING.md). */
export interface PlanToolQueue {
  databaseUrl: string;
  /** The queue's schema (default `plangraph`). */
  schema?: string;
  /** How long one tool call waits for its run's result (default 10 minutes); the run is cancelled after it. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 600_000;

/** The queue's connection options from a {@link PlanToolQueue}. */
export function queueConnection(queue: PlanToolQueue): { databaseUrl: string; schema?: string } {
  return { databaseUrl: queue.databaseUrl, ...(queue.schema ? { schema: queue.schema } : {}) };
}

/**
 * Queues a validated plan under `caller` with idempotency key `key`: a second submission with the
 * same key (a replayed tool call or node) gets the first run back instead of starting another.
 * The plan is checked against `registry` again on submission; the workers must have the same tools.
 */
export function submitPlan(plan: unknown, queue: PlanToolQueue, registry: ToolRegistry, caller: CallerContext | undefined, key: string | undefined): Promise<SubmittedRun> {
  return submitRun({ plan, ...(caller ? { caller } : {}), ...(key ? { idempotency_key: key } : {}) }, { ...queueConnection(queue), registry });
}

/**
 * Waits for a queued run's result (or its pause for approval). If `signal` aborts, or the wait
 * outlasts the queue's `timeoutMs`, the run is cancelled too — nothing keeps running for an answer
 * no one awaits — and the wait rejects (RUN_ABORTED for the timeout, the abort's error otherwise).
 */
export async function awaitQueuedRun(runId: string, queue: PlanToolQueue, options: { signal?: AbortSignal | undefined; onEvent?: (event: RunEvent) => void } = {}): Promise<QueuedRunResult> {
  const connection = queueConnection(queue);
  const timeout = AbortSignal.timeout(queue.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await waitForRun(runId, { ...connection, signal, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  } catch (error) {
    if (signal.aborted) {
      // Best effort: the caller's abort is what is reported; a run the cancel missed ends by its own budget.
      await cancelRun(runId, connection).catch(() => undefined);
      if (timeout.aborted) throw new PlangraphError("RUN_ABORTED", `run ${runId} gave no result within ${queue.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms: cancelled`, { cause: error });
    }
    throw error;
  }
}

/**
 * The idempotency key of a submission made for a tool call: the graph run's thread, the task's
 * checkpoint namespace (LangGraph derives it from the checkpoint the task runs from) and the tool
 * call's id. A task replayed from the same checkpoint after a crash derives the same key and gets
 * the first run back; a later turn, another thread or another conversation whose model happened
 * to give its call the same id (ids are the model's, not unique across threads) never does.
 */
export function submissionKey(prefix: string, configurable: Record<string, unknown> | undefined, toolCallId: string | undefined): string {
  const parts = [configurable?.thread_id ?? null, configurable?.checkpoint_ns ?? null, toolCallId ?? null];
  return `${prefix}:${createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 48)}`;
}

/**
 * Runs a validated plan on the worker pool and waits for its result. The caller context the tool
 * was called with travels with the run, and the submission's idempotency key comes from the tool
 * call ({@link submissionKey}): an agent run that replays the same tool call (a retry, a resume
 * after a crash) gets the first run's result instead of starting a second run. If the calling run
 * is aborted, or the wait times out, the queued run is cancelled too.
 */
export async function runOnQueue(plan: unknown, queue: PlanToolQueue, registry: ToolRegistry, config: ToolRunnableConfig | undefined): Promise<QueuedRunResult> {
  const toolCallId = config?.toolCall?.id;
  const key = toolCallId ? submissionKey("plan-tool", config?.configurable, toolCallId) : undefined;
  const submitted = await submitPlan(plan, queue, registry, callerFromConfig(config), key);
  return awaitQueuedRun(submitted.run_id, queue, { signal: config?.signal });
}
