import { QueuedRunDetailSchema, QueuedRunErrorSchema, type QueuedRunDetail } from "./types.js";

/** A row of `plangraph_runs` as pg returns it. */
export interface RunRow {
  run_id: string;
  thread_id: string;
  tenant: string;
  status: string;
  plan: string;
  caller: unknown;
  idempotency_key: string | null;
  submitted_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  worker: string | null;
  owner_id: string | null;
  owner: unknown;
  lease_expires_at: string | null;
  takeovers: number;
  attempts: number;
  cancel_requested: boolean;
  resume_answer: unknown;
  result: unknown;
  error: unknown;
}

/** The columns a client reads (the plan and the answers stay in the database). */
export const RUN_COLUMNS = "run_id, thread_id, tenant, status, submitted_at, started_at, ended_at, worker, takeovers, cancel_requested, result, error";

/** A run row as the library shows it: parsed, its result carrying `run_id` as the contract says. */
export function runFromRow(row: Pick<RunRow, "run_id" | "thread_id" | "tenant" | "status" | "submitted_at" | "started_at" | "ended_at" | "worker" | "takeovers" | "cancel_requested" | "result" | "error">): QueuedRunDetail {
  const error = QueuedRunErrorSchema.safeParse(row.error);
  return QueuedRunDetailSchema.parse({
    run_id: row.run_id,
    thread_id: row.thread_id,
    tenant: row.tenant,
    status: row.status,
    submitted_at: row.submitted_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    ended_at: row.ended_at?.toISOString() ?? null,
    worker: row.worker,
    takeovers: row.takeovers,
    result: row.result && typeof row.result === "object" ? { ...(row.result as Record<string, unknown>), run_id: row.run_id } : null,
    error: error.success ? error.data : null,
    cancel_requested: row.cancel_requested,
  });
}
