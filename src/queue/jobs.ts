import type pg from "pg";
import type { QueueNames } from "./store.js";

/** The job priority of a run taken over from a lost worker (submissions have 0). */
export const TAKEOVER_PRIORITY = -10;

/** The payload of a run's job (its task is the queue's, `QueueNames.task`): it names the run, nothing else. */
export interface RunJobPayload {
  run_id: string;
}

/** Anything that runs a query: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

/**
 * Queues (or re-queues) the job that makes a worker take the run, `delayMs` from now. The job is
 * keyed by the run, so re-queuing a run moves its one waiting job instead of adding another; a job
 * locked by a lost worker is left behind, never retried (graphile-worker's replace mode). Whoever
 * takes the job still claims the run row first, so a stray job never runs a run twice.
 * `priority` below 0 goes ahead of every waiting submission (graphile-worker takes the lowest
 * first): a lost worker's runs are taken over by the next free slot, not after the backlog.
 */
export async function enqueueRun(db: Queryable, names: QueueNames, runId: string, delayMs = 0, priority = 0): Promise<void> {
  const payload: RunJobPayload = { run_id: runId };
  await db.query(
    `SELECT ${names.jobs}.add_job(identifier := $1, payload := $2::json, run_at := now() + $3 * interval '1 millisecond', job_key := $4, max_attempts := 10, priority := $5)`,
    [names.task, JSON.stringify(payload), Math.max(0, Math.round(delayMs)), runId, priority],
  );
}
