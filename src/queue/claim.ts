import type pg from "pg";
import type { LeaseOwner } from "../durability/backend.js";
import type { RunRow } from "./run-row.js";
import { NOW_MS, type QueueNames } from "./store.js";

/** The most runs a tenant may have running at once across all workers; `undefined`/`Infinity`: no limit. */
export type TenantConcurrency = (tenant: string) => number | undefined | Promise<number | undefined>;

/** What a worker's claim on a run came to. */
export type ClaimOutcome =
  | { kind: "claimed"; run: RunRow; takeover: boolean }
  /** Nothing to do: the run ended, is held by a live worker, or does not exist. */
  | { kind: "skip"; why: string }
  /** The tenant is at its limit: try again later. */
  | { kind: "tenant_full"; tenant: string; limit: number }
  /** Cancelled while it waited: recorded as cancelled, nothing ran. */
  | { kind: "cancelled" };

export interface ClaimRequest {
  runId: string;
  owner: LeaseOwner;
  /** The worker's id as runs show it. */
  worker: string;
  leaseMs: number;
  /** Absent: no tenant is limited, and a claim is one statement. */
  tenantConcurrency?: TenantConcurrency;
}

/**
 * Makes this worker the run's one holder, in one transaction: a queued run, or a running one
 * whose lease expired (its worker is lost: a takeover). The tenant's running runs are counted
 * under a per-tenant advisory lock, so two workers can never both start the run that would put a
 * tenant over its limit.
 */
export async function claimRun(pool: pg.Pool, names: QueueNames, request: ClaimRequest): Promise<ClaimOutcome> {
  if (!request.tenantConcurrency) {
    const quick = await claimUnlimited(pool, names, request);
    if (quick) return quick;
    // Not claimable as it stands (ended, held, cancelled, gone): the full path says which.
  }
  const peek = await pool.query<{ tenant: string }>(`SELECT tenant FROM ${names.runs} WHERE run_id = $1`, [request.runId]);
  const tenant = peek.rows[0]?.tenant;
  if (tenant === undefined) return { kind: "skip", why: "no such run" };
  const limit = (await request.tenantConcurrency?.(tenant)) ?? Infinity;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Only a limited tenant's claims need to be serialised (to count its running runs).
    if (Number.isFinite(limit)) await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`plangraph-tenant:${names.schema}:${tenant}`]);
    const { rows } = await client.query<RunRow & { expired: boolean }>(
      `SELECT *, (lease_expires_at IS NULL OR lease_expires_at <= ${NOW_MS}) AS expired FROM ${names.runs} WHERE run_id = $1 FOR UPDATE`,
      [request.runId],
    );
    const row = rows[0]!;
    const takeover = row.status === "running" && row.expired;
    if (row.status !== "queued" && !takeover) return await end(client, { kind: "skip", why: `run is ${row.status}${row.status === "running" ? " on a live worker" : ""}` });
    if (row.cancel_requested) {
      await client.query(`UPDATE ${names.runs} SET status = 'cancelled', ended_at = clock_timestamp() WHERE run_id = $1`, [request.runId]);
      return await end(client, { kind: "cancelled" });
    }
    if (Number.isFinite(limit)) {
      const { rows: counted } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${names.runs} WHERE tenant = $1 AND status = 'running' AND run_id <> $2 AND lease_expires_at > ${NOW_MS}`,
        [tenant, request.runId],
      );
      if (Number(counted[0]!.n) >= limit) return await end(client, { kind: "tenant_full", tenant, limit });
    }
    const { rows: claimed } = await client.query<RunRow>(
      `UPDATE ${names.runs} SET status = 'running', worker = $2, owner_id = $3, owner = $4, lease_expires_at = ${NOW_MS} + $5,
         started_at = coalesce(started_at, clock_timestamp()), attempts = attempts + 1, takeovers = takeovers + $6
       WHERE run_id = $1 RETURNING *`,
      [request.runId, request.worker, request.owner.id, JSON.stringify(request.owner), request.leaseMs, takeover ? 1 : 0],
    );
    await client.query("COMMIT");
    return { kind: "claimed", run: claimed[0]!, takeover };
  } catch (error) {
    // The transaction's own error is what is thrown; a failed ROLLBACK leaves nothing committed.
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The claim when no tenant is limited: one statement, the row lock deciding between workers. A
 * queued run, or a running one whose lease expired, not cancelled; otherwise nothing is changed.
 */
async function claimUnlimited(pool: pg.Pool, names: QueueNames, request: ClaimRequest): Promise<ClaimOutcome | undefined> {
  const { rows } = await pool.query<RunRow & { previous: string }>(
    `WITH old AS (SELECT run_id, status FROM ${names.runs} WHERE run_id = $1 FOR UPDATE)
     UPDATE ${names.runs} r SET status = 'running', worker = $2, owner_id = $3, owner = $4, lease_expires_at = ${NOW_MS} + $5,
       started_at = coalesce(r.started_at, clock_timestamp()), attempts = r.attempts + 1, takeovers = r.takeovers + (old.status = 'running')::int
     FROM old WHERE r.run_id = old.run_id AND NOT r.cancel_requested
       AND (old.status = 'queued' OR (old.status = 'running' AND (r.lease_expires_at IS NULL OR r.lease_expires_at <= ${NOW_MS})))
     RETURNING r.*, old.status AS previous`,
    [request.runId, request.worker, request.owner.id, JSON.stringify(request.owner), request.leaseMs],
  );
  const row = rows[0];
  return row ? { kind: "claimed", run: row, takeover: row.previous === "running" } : undefined;
}

async function end(client: pg.PoolClient, outcome: ClaimOutcome): Promise<ClaimOutcome> {
  await client.query("COMMIT");
  return outcome;
}

/**
 * Runs whose worker stopped renewing their lease: a live worker's sweeper re-queues each (the
 * claim then decides who takes it over). At most `limit` at a time, oldest lease first.
 */
export async function expiredRuns(pool: Pick<pg.Pool, "query">, names: QueueNames, limit = 50): Promise<string[]> {
  const { rows } = await pool.query<{ run_id: string }>(
    `SELECT run_id FROM ${names.runs} WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at <= ${NOW_MS}) ORDER BY lease_expires_at NULLS FIRST LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.run_id);
}

/**
 * Queued runs whose job a worker took and then lost before it claimed the run (killed between
 * locking the job and the claim's commit): graphile-worker keeps such a job locked for four hours,
 * so the run would wait that long. A live worker claims a run within moments of locking its job,
 * so a job locked longer than the lease while its run is still queued has lost its worker.
 */
export async function strandedRuns(pool: Pick<pg.Pool, "query">, names: QueueNames, leaseMs: number, limit = 50): Promise<string[]> {
  const { rows } = await pool.query<{ run_id: string }>(
    `SELECT r.run_id FROM ${names.runs} r JOIN ${names.jobs}.jobs j ON j.key = r.run_id
     WHERE r.status = 'queued' AND j.locked_at IS NOT NULL AND j.locked_at < now() - $1 * interval '1 millisecond' LIMIT $2`,
    [leaseMs, limit],
  );
  return rows.map((row) => row.run_id);
}

/**
 * Queued runs with no job that will ever take them (their job ran out of attempts while the
 * database was failing, or was removed): the sweeper queues a job for each again.
 */
export async function orphanedRuns(pool: Pick<pg.Pool, "query">, names: QueueNames, limit = 50): Promise<string[]> {
  const { rows } = await pool.query<{ run_id: string }>(
    `SELECT r.run_id FROM ${names.runs} r WHERE r.status = 'queued' AND r.submitted_at < clock_timestamp() - interval '5 seconds'
       AND NOT EXISTS (SELECT 1 FROM ${names.jobs}._private_jobs j WHERE j.key = r.run_id AND j.attempts < j.max_attempts)
     ORDER BY r.submitted_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.run_id);
}
