import { randomUUID } from "node:crypto";
import type pg from "pg";
import { preparedFrom } from "../api/prepared.js";
import type { PlanOptions } from "../api/options.js";
import { localCaller } from "../model/caller.js";
import { PlangraphError } from "../model/errors.js";
import { enqueueRun } from "./jobs.js";
import { withQueue, type QueueConnection, type QueueNames } from "./store.js";
import { SubmitRunSchema, type SubmitRunInput, type SubmittedRun } from "./types.js";

/** How `submitRun` reaches the queue and checks the plan before queueing it. */
export interface SubmitOptions extends QueueConnection, Pick<PlanOptions, "tools" | "registry" | "limits"> {}

const UNIQUE_VIOLATION = "23505";

/**
 * Queues a plan run for any worker. The plan is validated first, with the same tools the workers
 * have (`tools` / `registry`): an invalid plan is a typed error (PlanValidationError naming the
 * step and field) and nothing is queued.
 *
 * - `idempotency_key`: a second submit with the same key for the same tenant returns the first run
 *   (`deduplicated: true`) and queues nothing, for as long as the run row is kept (at least 24 h,
 *   also after the run ended; a unique index decides between simultaneous submits). The same key
 *   with another plan, or from another user, is IDEMPOTENCY_CONFLICT: a key names one request.
 * - One active run per thread: a submit on a thread whose run is queued, running or waiting for
 *   approval is refused with THREAD_BUSY naming that run (a unique index decides between
 *   simultaneous submits). Threads are per tenant: two tenants' threads never meet.
 * - The run runs under `caller` (default: the local caller, source `library`).
 */
export async function submitRun(input: SubmitRunInput, options: SubmitOptions): Promise<SubmittedRun> {
  const parsed = SubmitRunSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlangraphError("USAGE", `submitRun: ${issue.path.join(".") || "input"}: ${issue.message}`, { path: `$.${issue.path.join(".")}` });
  }
  const submission = parsed.data;
  // Validation throws before anything touches the database: an invalid plan is never queued.
  preparedFrom(submission.plan, options);
  const planText = typeof submission.plan === "string" ? submission.plan : JSON.stringify(submission.plan);
  const caller = submission.caller ?? localCaller(randomUUID(), { source: "library" });
  const run = { run_id: randomUUID(), thread_id: submission.thread_id ?? randomUUID(), tenant: caller.tenant, plan: planText, caller, key: submission.idempotency_key ?? null };
  return withQueue(options, (pool, names) => insertRun(pool, names, run));
}

interface NewRun {
  run_id: string;
  thread_id: string;
  tenant: string;
  plan: string;
  caller: unknown;
  key: string | null;
}

async function insertRun(pool: pg.Pool, names: QueueNames, run: NewRun): Promise<SubmittedRun> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const inserted = await client.query<{ run_id: string }>(
      `INSERT INTO ${names.runs} (run_id, thread_id, tenant, status, plan, caller, idempotency_key) VALUES ($1, $2, $3, 'queued', $4, $5, $6)
       ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING run_id`,
      [run.run_id, run.thread_id, run.tenant, run.plan, JSON.stringify(run.caller), run.key],
    );
    if (inserted.rowCount === 1) {
      // The job commits with the row: a run is never queued without its job, nor a job without its run.
      await enqueueRun(client, names, run.run_id);
      await client.query("COMMIT");
      return { run_id: run.run_id, thread_id: run.thread_id, status: "queued", deduplicated: false };
    }
    await client.query("ROLLBACK");
  } catch (error) {
    // The transaction's own error is what is thrown; a failed ROLLBACK leaves nothing committed.
    await client.query("ROLLBACK").catch(() => undefined);
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw await threadBusy(pool, names, run);
    throw new PlangraphError("QUEUE_FAILED", `could not queue the run: ${(error as Error).message}`, { cause: error });
  } finally {
    client.release();
  }
  return firstWithKey(pool, names, run);
}

/**
 * The run that holds the key, for a retry of the same submission. The same key with another plan,
 * or from another user of the tenant, is not a retry: IDEMPOTENCY_CONFLICT, and nothing is queued
 * (another user is not told which run holds the key).
 */
async function firstWithKey(pool: pg.Pool, names: QueueNames, run: NewRun): Promise<SubmittedRun> {
  const { rows } = await pool.query<{ run_id: string; thread_id: string; status: SubmittedRun["status"]; plan: string; caller: { user?: unknown } | null }>(
    `SELECT run_id, thread_id, status, plan, caller FROM ${names.runs} WHERE tenant = $1 AND idempotency_key = $2`,
    [run.tenant, run.key],
  );
  const first = rows[0];
  if (!first) throw new PlangraphError("QUEUE_FAILED", `idempotency key '${run.key}' conflicted but no run holds it (pruned meanwhile?); submit again`);
  const user = (run.caller as { user: string }).user;
  if (first.caller?.user !== user) {
    throw new PlangraphError("IDEMPOTENCY_CONFLICT", `idempotency key '${run.key}' is already used by another user of tenant '${run.tenant}': use a key of your own`);
  }
  if (first.plan !== run.plan) {
    throw new PlangraphError("IDEMPOTENCY_CONFLICT", `idempotency key '${run.key}' was used for run ${first.run_id} with another plan: a retried submit sends the same plan; a new plan needs a new key`);
  }
  const { plan: _plan, caller: _caller, ...held } = first;
  return { ...held, deduplicated: true };
}

async function threadBusy(pool: pg.Pool, names: QueueNames, run: NewRun): Promise<PlangraphError> {
  const { rows } = await pool.query<{ run_id: string; status: string }>(
    `SELECT run_id, status FROM ${names.runs} WHERE tenant = $1 AND thread_id = $2 AND status IN ('queued', 'running', 'interrupted')`,
    [run.tenant, run.thread_id],
  );
  const active = rows[0];
  return new PlangraphError(
    "THREAD_BUSY",
    `thread '${run.thread_id}' already has an active run${active ? ` (${active.run_id}, ${active.status})` : ""}: one run per thread at a time; wait for it, resume or cancel it, or submit on another thread`,
  );
}
