import type { ToolRunnableConfig } from "@langchain/core/tools";
import { callerFromConfig } from "../model/caller.js";
import { PlangraphError } from "../model/errors.js";
import type { RunResult } from "../engine/result.js";
import type { ToolRegistry } from "../tools/registry.js";
import { cancelRun, submitRun, waitForRun } from "../queue/index.js";

/** Where the plan tool hands its plans: the worker pool's PostgreSQL (see docs/SCALING.md). */
export interface PlanToolQueue {
  databaseUrl: string;
  /** The queue's schema (default `plangraph`). */
  schema?: string;
  /** How long one tool call waits for its run's result (default 10 minutes); the run is cancelled after it. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Runs a validated plan on the worker pool and waits for its result. The caller context the tool
 * was called with travels with the run, and the tool call's id is the submission's idempotency
 * key: an agent run that replays the same tool call (a retry, a resume after a crash) gets the
 * first run's result instead of starting a second run. The plan is checked against `registry`
 * again on submission; the workers must have the same tools. If the calling run is aborted, or the wait
 * times out, the queued run is cancelled too: nothing keeps running for an answer no one awaits.
 */
export async function runOnQueue(plan: unknown, queue: PlanToolQueue, registry: ToolRegistry, config: ToolRunnableConfig | undefined): Promise<RunResult> {
  const caller = callerFromConfig(config);
  const toolCallId = config?.toolCall?.id;
  const connection = { databaseUrl: queue.databaseUrl, ...(queue.schema ? { schema: queue.schema } : {}) };
  const submitted = await submitRun({ plan, ...(caller ? { caller } : {}), ...(toolCallId ? { idempotency_key: `plan-tool:${toolCallId}` } : {}) }, { ...connection, registry });
  const timeout = AbortSignal.timeout(queue.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = config?.signal ? AbortSignal.any([config.signal, timeout]) : timeout;
  try {
    return await waitForRun(submitted.run_id, { ...connection, signal });
  } catch (error) {
    if (signal.aborted) {
      // Best effort: the caller's abort is what is reported; a run the cancel missed ends by its own budget.
      await cancelRun(submitted.run_id, connection).catch(() => undefined);
      if (timeout.aborted) throw new PlangraphError("RUN_ABORTED", `run ${submitted.run_id} gave no result within ${queue.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms: cancelled`, { cause: error });
    }
    throw error;
  }
}
