/**
 * The run queue: plan runs spread across worker processes on PostgreSQL (graphile-worker jobs),
 * surviving the loss of any worker. Submit from anywhere (`submitRun`), wait and stream progress
 * (`waitForRun`), read (`getRun`, `listRuns`), cancel (`cancelRun`), answer approvals
 * (`resumeRun`); run workers with `startWorker`.
 */
export { submitRun, type SubmitOptions } from "./submit.js";
export { getRun, listRuns, cancelRun, resumeRun, pruneRuns, MIN_RUN_RETENTION_MS, type ResumeOptions } from "./runs.js";
export { waitForRun, type WaitOptions, type QueuedRunResult, type CancelledRunError } from "./wait.js";
export { startWorker, type WorkerOptions, type WorkerHandle } from "./worker.js";
export type { TenantConcurrency } from "./claim.js";
export { DEFAULT_QUEUE_SCHEMA, type QueueConnection } from "./store.js";
export { QUEUE_METRIC, WORKER_ATTR } from "./metrics.js";
export {
  SubmitRunSchema,
  QueuedRunSchema,
  QueuedRunStatusSchema,
  QueuedRunDetailSchema,
  SubmittedRunSchema,
  ResumeAnswerSchema,
  RunFilterSchema,
  type SubmitRunInput,
  type QueuedRun,
  type QueuedRunStatus,
  type QueuedRunDetail,
  type QueuedRunError,
  type SubmittedRun,
  type ResumeAnswer,
  type ResumeAnswerInput,
  type RunFilterInput,
} from "./types.js";
