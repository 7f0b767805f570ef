import { z } from "zod";
import { CallerContextSchema } from "../model/caller.js";

/**
 * The run queue's public shapes: what a submission carries, what a queued run looks like while it
 * waits, runs and after it ends. Workers on any machine take runs from PostgreSQL; the library
 * (`submitRun`, `waitForRun`, `getRun`, `cancelRun`) and the CLI (`submit`, `runs`) speak these.
 */

export const QueuedRunStatusSchema = z.enum(["queued", "running", "interrupted", "completed", "failed", "cancelled"]);
export type QueuedRunStatus = z.infer<typeof QueuedRunStatusSchema>;

export const SubmitRunSchema = z.object({
  /** The plan, in any accepted form (validated before it is queued: an invalid plan is never queued). */
  plan: z.unknown(),
  /** The thread: one active run per thread; default a fresh id. */
  thread_id: z.string().min(1).max(200).optional(),
  /** Client-supplied: a retried submit with the same key (per tenant) returns the first run, for at least 24 hours. */
  idempotency_key: z.string().min(1).max(200).optional(),
  caller: CallerContextSchema.optional(),
});
export type SubmitRunInput = z.infer<typeof SubmitRunSchema>;

export const QueuedRunSchema = z.object({
  run_id: z.string(),
  thread_id: z.string(),
  tenant: z.string(),
  status: QueuedRunStatusSchema,
  submitted_at: z.string(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  /** The worker holding the run now (or last), by its id. */
  worker: z.string().nullable(),
  /** How many times a worker took the run over from a lost one. */
  takeovers: z.number().int(),
  /** The contract's result once the run has ended or paused (with `run_id` added). */
  result: z.unknown().nullable(),
});
export type QueuedRun = z.infer<typeof QueuedRunSchema>;

/** Why a run ended without a result (its plan did not load on the worker, its database failed…). */
export const QueuedRunErrorSchema = z.object({ code: z.string(), message: z.string() });
export type QueuedRunError = z.infer<typeof QueuedRunErrorSchema>;

/** A queued run as `getRun` / `listRuns` return it: the shared shape plus why it ended without a result. */
export const QueuedRunDetailSchema = QueuedRunSchema.extend({
  /** Set when the run failed before it produced a result (`result` is then null). */
  error: QueuedRunErrorSchema.nullable(),
  /** Whether cancellation was asked for (a running run stops at its worker shortly after). */
  cancel_requested: z.boolean(),
});
export type QueuedRunDetail = z.infer<typeof QueuedRunDetailSchema>;

/** What `submitRun` answers: the run, and whether an earlier submit with the same key made it. */
export const SubmittedRunSchema = z.object({
  run_id: z.string(),
  thread_id: z.string(),
  status: QueuedRunStatusSchema,
  /** True when the idempotency key matched an earlier submission: no new run was queued. */
  deduplicated: z.boolean(),
});
export type SubmittedRun = z.infer<typeof SubmittedRunSchema>;

/**
 * The answers `resumeRun` carries to an interrupted run, as the CLI's `resume` flags: steps to
 * approve, to reject, and steps approved with replaced input. Undecided steps stay pending.
 */
export const ResumeAnswerSchema = z
  .object({
    approve: z.array(z.string().min(1)).default([]),
    reject: z.array(z.string().min(1)).default([]),
    params: z.record(z.string().min(1), z.record(z.string(), z.unknown())).default({}),
  })
  .strict();
export type ResumeAnswerInput = z.input<typeof ResumeAnswerSchema>;
export type ResumeAnswer = z.output<typeof ResumeAnswerSchema>;

/** Which runs `listRuns` returns (newest first). */
export const RunFilterSchema = z
  .object({
    tenant: z.string().optional(),
    thread_id: z.string().optional(),
    status: z.union([QueuedRunStatusSchema, z.array(QueuedRunStatusSchema)]).optional(),
    limit: z.number().int().positive().max(1000).default(100),
  })
  .strict();
export type RunFilterInput = z.input<typeof RunFilterSchema>;
