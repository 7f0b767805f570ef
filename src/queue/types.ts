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
