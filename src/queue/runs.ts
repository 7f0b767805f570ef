import { randomUUID } from "node:crypto";
import type pg from "pg";
import { policyFor } from "../api/policy-file.js";
import { CallerContextSchema, localCaller, type CallerContext } from "../model/caller.js";
import type { Policy } from "../policy/index.js";
import { requireApproverOf } from "../api/approver.js";
import { PgAuditTrail } from "../durability/audit-postgres.js";
import { AuditTrail } from "../engine/audit-trail.js";
import { durableThread } from "./execute.js";
import { PlangraphError } from "../model/errors.js";
import { RUN_COLUMNS, runFromRow, type RunRow } from "./run-row.js";
import { enqueueRun } from "./jobs.js";
import { announce } from "./events.js";
import { withQueue, type QueueConnection, type QueueNames } from "./store.js";
import { ResumeAnswerSchema, RunFilterSchema, type QueuedRunDetail, type ResumeAnswerInput, type RunFilterInput } from "./types.js";

type ShownRow = Parameters<typeof runFromRow>[0];

function notFound(runId: string, names: QueueNames): PlangraphError {
  return new PlangraphError("RUN_NOT_FOUND", `no run '${runId}' in the run queue (PostgreSQL schema '${names.schema}')`);
}

/** Reads one run; RUN_NOT_FOUND if there is none by that id. */
export async function readRun(pool: Pick<pg.Pool, "query">, names: QueueNames, runId: string): Promise<QueuedRunDetail> {
  const { rows } = await pool.query<ShownRow>(`SELECT ${RUN_COLUMNS} FROM ${names.runs} WHERE run_id = $1`, [runId]);
  if (!rows[0]) throw notFound(runId, names);
  return runFromRow(rows[0]);
}

/** A run's state: queued, running (on which worker), interrupted, or ended with its result. */
export function getRun(runId: string, connection: QueueConnection): Promise<QueuedRunDetail> {
  return withQueue(connection, (pool, names) => readRun(pool, names, runId));
}

/** Runs matching `filter`, newest first (at most `limit`, default 100). */
export async function listRuns(filter: RunFilterInput, connection: QueueConnection): Promise<QueuedRunDetail[]> {
  const parsed = RunFilterSchema.safeParse(filter);
  if (!parsed.success) throw new PlangraphError("USAGE", `listRuns: ${parsed.error.issues[0]!.path.join(".") || "filter"}: ${parsed.error.issues[0]!.message}`);
  const { tenant, thread_id, status, limit } = parsed.data;
  const where: string[] = [];
  const values: unknown[] = [];
  if (tenant !== undefined) where.push(`tenant = $${values.push(tenant)}`);
  if (thread_id !== undefined) where.push(`thread_id = $${values.push(thread_id)}`);
  if (status !== undefined) where.push(`status = ANY($${values.push(Array.isArray(status) ? status : [status])})`);
  return withQueue(connection, async (pool, names) => {
    const { rows } = await pool.query<ShownRow>(
      `SELECT ${RUN_COLUMNS} FROM ${names.runs} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY submitted_at DESC LIMIT $${values.push(limit)}`,
      values,
    );
    return rows.map(runFromRow);
  });
}

/**
 * Cancels a run. A queued or interrupted run is cancelled at once (its thread is free again); a
 * running one is told to stop: its worker hears it (NOTIFY, or at its next sweep if the
 * notification was missed), aborts the run's signal — tools launched ahead of their nodes stop
 * too — and records the run `cancelled` with what it had done. An ended run is left as it is.
 */
export function cancelRun(runId: string, connection: QueueConnection): Promise<QueuedRunDetail> {
  return withQueue(connection, async (pool, names) => {
    const { rowCount } = await pool.query(
      `UPDATE ${names.runs} SET cancel_requested = true,
         status = CASE WHEN status IN ('queued', 'interrupted') THEN 'cancelled' ELSE status END,
         ended_at = CASE WHEN status IN ('queued', 'interrupted') THEN clock_timestamp() ELSE ended_at END
       WHERE run_id = $1 AND status IN ('queued', 'running', 'interrupted')`,
      [runId],
    );
    if (rowCount === 1) {
      await pool.query("SELECT pg_notify($1, $2)", [names.cancelChannel, runId]);
      await announce(pool, names, runId);
    }
    return readRun(pool, names, runId);
  });
}

/**
 * Answers an interrupted run's pending approvals and queues it again for any worker: approved
 * steps run exactly once, rejected ones are reported as rejected, undecided ones stay pending (the
 * run pauses again). A step that is not pending is a USAGE error naming it; a run that is not
 * interrupted is a USAGE error saying where it stands.
 *
 * `caller` is who answers (default: the local caller): the worker continues the run under that
 * context, so the policy's approver rules judge the approver, not the submitter. The answer is
 * judged here first, before anything is queued, under `policy` (a Policy or a policy file's path;
 * default the file PLANGRAPH_POLICY names, else the built-in roles), against the submitter on the
 * run row for `approver_not_starter`: a refused approver — another tenant's, one without an
 * approver role, the run's own starter — is APPROVER_NOT_ALLOWED naming the approver, their roles
 * and the step, and the run stays as it was (interrupted, nothing queued). Workers check again
 * under their own policy; a refusal there leaves the run interrupted with the refusal in `error`.
 *
 * Returns the run as the resume left it: `queued` (a worker may hold it a moment later; follow it
 * with `waitForRun`).
 */
export async function resumeRun(runId: string, answer: ResumeAnswerInput, connection: ResumeOptions): Promise<QueuedRunDetail> {
  const parsed = ResumeAnswerSchema.safeParse(answer);
  if (!parsed.success) throw new PlangraphError("USAGE", `resumeRun: ${parsed.error.issues[0]!.path.join(".") || "answer"}: ${parsed.error.issues[0]!.message}`);
  const decided = parsed.data;
  // A policy file that cannot be read is POLICY_INVALID before the run is touched.
  const policy = policyFor(connection.policy);
  return withQueue(connection, async (pool, names) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<Pick<RunRow, "status" | "result" | "tenant" | "caller" | "thread_id">>(`SELECT status, result, tenant, caller, thread_id FROM ${names.runs} WHERE run_id = $1 FOR UPDATE`, [runId]);
      const row = rows[0];
      if (!row) throw notFound(runId, names);
      const approver = connection.caller ?? localCaller(randomUUID(), { tenant: row.tenant, source: "library" });
      if (approver.tenant !== row.tenant) throw new PlangraphError("APPROVER_NOT_ALLOWED", `run '${runId}' belongs to tenant '${row.tenant}': a caller of tenant '${approver.tenant}' may not answer its approvals`);
      if (row.status !== "interrupted") throw new PlangraphError("USAGE", `run '${runId}' is ${row.status}, not waiting for approval: only an interrupted run can be resumed`);
      const steps = [...new Set([...decided.approve, ...decided.reject, ...Object.keys(decided.params)])];
      checkPending(runId, row.result, steps);
      // The submitter on the run row is the starter `approver_not_starter` compares with (a malformed one: unknown, refused).
      const starter = CallerContextSchema.safeParse(row.caller);
      // A refusal goes on the queue's audit trail (outside this transaction, so the rollback keeps it), as a worker's would.
      const audit = new AuditTrail(new PgAuditTrail(pool, names.schema), { caller: approver, threadId: durableThread(row.tenant, row.thread_id) });
      await requireApproverOf(steps, { policy, caller: approver, ...(starter.success ? { starter: starter.data.user } : {}), audit });
      await client.query(`UPDATE ${names.runs} SET status = 'queued', resume_answer = $2, error = NULL WHERE run_id = $1`, [runId, JSON.stringify({ ...decided, approver })]);
      await enqueueRun(client, names, runId);
      // Read before the commit: the run as this resume left it (queued), not as a worker that woke
      // at the commit has already made it.
      const queued = await readRun(client, names, runId);
      await client.query("COMMIT");
      return queued;
    } catch (error) {
      // The transaction's own error is what is thrown; a failed ROLLBACK leaves nothing committed.
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  });
}

/** How `resumeRun` reaches the queue, who answers, and the policy that judges them. */
export interface ResumeOptions extends QueueConnection {
  /** Who answers (default: the local caller of the run's tenant). */
  caller?: CallerContext;
  /** The approver rules (a Policy or a policy file's path; default PLANGRAPH_POLICY's file, else the built-in roles). */
  policy?: Policy | string;
}

function checkPending(runId: string, result: unknown, steps: string[]): void {
  const pending = new Set(((result as { pending?: Array<{ step: string }> } | null)?.pending ?? []).map((item) => item.step));
  for (const step of steps) {
    if (!pending.has(step)) {
      const list = [...pending].map((id) => `'${id}'`).join(", ") || "none";
      throw new PlangraphError("USAGE", `run '${runId}': step '${step}' is not waiting for approval (waiting: ${list})`, { step });
    }
  }
}

/** How long ended runs (and with them their idempotency keys) are kept at the least: 24 hours. */
export const MIN_RUN_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes runs that ended more than `olderThanMs` ago (default and minimum 24 h, so an idempotency
 * key is remembered at least that long after its run ended), with their events. Active runs
 * (queued, running, interrupted) are never deleted. Returns how many runs went.
 */
export async function pruneRuns(connection: QueueConnection, options: { olderThanMs?: number } = {}): Promise<number> {
  const olderThanMs = options.olderThanMs ?? MIN_RUN_RETENTION_MS;
  if (!Number.isFinite(olderThanMs) || olderThanMs < MIN_RUN_RETENTION_MS) {
    throw new PlangraphError("USAGE", `pruneRuns: olderThanMs must be at least ${MIN_RUN_RETENTION_MS} (24 h: idempotency keys are kept that long), got ${olderThanMs}`);
  }
  return withQueue(connection, async (pool, names) => {
    const { rows } = await pool.query<{ run_id: string }>(
      `DELETE FROM ${names.runs} WHERE status IN ('completed', 'failed', 'cancelled') AND ended_at < clock_timestamp() - $1 * interval '1 millisecond' RETURNING run_id`,
      [olderThanMs],
    );
    if (rows.length) await pool.query(`DELETE FROM ${names.events} WHERE run_id = ANY($1)`, [rows.map((row) => row.run_id)]);
    return rows.length;
  });
}
