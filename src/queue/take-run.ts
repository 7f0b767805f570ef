import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { RunPlanOptions } from "../api/run-plan.js";
import { holdThread, type ThreadHold } from "../durability/lease.js";
import { currentOwner } from "../durability/lease-owner.js";
import { PgCompletionStore } from "../durability/postgres.js";
import type { RunResult } from "../engine/result.js";
import { PlangraphError, describeError, isPlangraphError } from "../model/errors.js";
import { claimRun, type TenantConcurrency } from "./claim.js";
import { RunEventPublisher, announce } from "./events.js";
import { durableThread, executeRun, type WorkerRunOptions } from "./execute.js";
import { enqueueRun } from "./jobs.js";
import type { QueueInstruments } from "./metrics.js";
import { RunLeases } from "./run-leases.js";
import type { RunRow } from "./run-row.js";
import type { QueueNames } from "./store.js";
import type { QueuedRunStatus } from "./types.js";

/** Why a worker stopped a run it holds before the run ended by itself. */
export type StopReason = "cancel" | "handback";

/** A run this worker holds now. */
export interface ActiveRun {
  readonly controller: AbortController;
  stop?: StopReason;
}

/** Everything a worker's job handler works with. */
export interface WorkerContext {
  pool: pg.Pool;
  names: QueueNames;
  worker: string;
  leaseMs: number;
  /** How long a run whose tenant is at its limit waits before it is tried again. */
  retryMs: number;
  /** Absent: no tenant is limited. */
  tenantConcurrency?: TenantConcurrency;
  planOptions: WorkerRunOptions;
  durability?: RunPlanOptions["durability"];
  audit?: RunPlanOptions["audit"];
  checkpointer: BaseCheckpointSaver;
  instruments: QueueInstruments;
  active: Map<string, ActiveRun>;
  /** Set once the worker drains: it takes no new runs. */
  draining: boolean;
}

/** Stops a held run: `cancel` records it cancelled, `handback` queues it again for another worker. */
export function stopRun(active: ActiveRun, why: StopReason): void {
  active.stop ??= why;
  const message = why === "cancel" ? "the run was cancelled" : "the worker is shutting down: the run is handed back to the queue";
  active.controller.abort(new PlangraphError("RUN_ABORTED", message));
}

/**
 * The job handler: claims the run, holds its lease (and its thread's) with heartbeats, runs it
 * from wherever it stands, and records how it ended — or hands it back, or leaves it to the
 * worker that took it over when this one lost its lease.
 */
export async function takeRun(context: WorkerContext, runId: string): Promise<void> {
  const { pool, names } = context;
  if (context.draining) return enqueueRun(pool, names, runId);
  const owner = { ...currentOwner(), id: randomUUID() };
  const claim = await claimRun(pool, names, {
    runId,
    owner,
    worker: context.worker,
    leaseMs: context.leaseMs,
    ...(context.tenantConcurrency ? { tenantConcurrency: context.tenantConcurrency } : {}),
  });
  if (claim.kind === "tenant_full") return enqueueRun(pool, names, runId, context.retryMs);
  if (claim.kind === "cancelled") return announce(pool, names, runId);
  if (claim.kind !== "claimed") return;
  const { run, takeover } = claim;
  // Waiters learn the run started; nothing waits for that notice.
  void announce(pool, names, runId).catch(() => undefined);
  const attributes = context.instruments.attributes;
  if (takeover) context.instruments.takeovers.add(1, attributes);
  if (run.attempts === 1 && run.started_at) context.instruments.waitTime.record(Math.max(0, run.started_at.getTime() - run.submitted_at.getTime()), attributes);
  const active: ActiveRun = { controller: new AbortController() };
  context.active.set(runId, active);
  const heldAt = Date.now();
  const holds: ThreadHold[] = [];
  try {
    const store = new PgCompletionStore(pool, names.schema);
    // The run's lease and its thread's, taken together (each is one statement).
    const [runHold, threadHold] = await Promise.allSettled([
      holdThread(new RunLeases(pool, names), runId, { ttlMs: context.leaseMs, owner }),
      holdThread(store.leases, durableThread(run.tenant, run.thread_id), { ttlMs: context.leaseMs, where: `PostgreSQL schema '${names.schema}'` }),
    ]);
    for (const hold of [runHold, threadHold]) if (hold.status === "fulfilled") holds.push(hold.value);
    if (runHold.status === "rejected") throw runHold.reason;
    if (threadHold.status === "rejected") {
      const error: unknown = threadHold.reason;
      // Another process (a CLI `resume`, a lost worker on another machine) still holds the thread.
      if (isPlangraphError(error) && error.code === "THREAD_BUSY") return await handBack(context, run, owner.id, context.retryMs);
      throw error;
    }
    const outcome = await runHeld(context, run, store, active, holds);
    if (holds.some((hold) => hold.signal.aborted)) return; // the lease was lost: the run is another worker's now
    // Refused by the tenant's per-minute budget (the engine's admission): queued again for when it allows.
    if ("error" in outcome && outcome.error.code === "TENANT_LIMIT") {
      const retryAfterMs = (outcome.error as PlangraphError & { retryAfterMs?: number }).retryAfterMs;
      return await handBack(context, run, owner.id, retryAfterMs ?? context.retryMs);
    }
    // An approver the policy refuses: nothing ran, the run waits for an answer it accepts.
    if ("error" in outcome && outcome.error.code === "APPROVER_NOT_ALLOWED") return await pauseAgain(context, run, owner.id, outcome.error);
    // A run that ended by itself before the hand-back reached it is settled, not run again.
    if (active.stop === "handback" && !("result" in outcome && outcome.result.status !== "failed")) return await handBack(context, run, owner.id, 0);
    await settle(context, run, owner.id, outcome, store);
  } finally {
    // A lease that cannot be released lapses by itself within its TTL.
    await Promise.all(holds.map((hold) => hold.release().catch(() => undefined)));
    context.active.delete(runId);
    context.instruments.runTime.record(Date.now() - heldAt, attributes);
    // Only a wake-up: the tenant's queued runs are found by the next poll or sweep anyway.
    await wakeTenant(context, run.tenant).catch(() => undefined);
  }
}

type Outcome = { result: RunResult } | { error: PlangraphError };

async function runHeld(context: WorkerContext, run: RunRow, store: PgCompletionStore, active: ActiveRun, holds: ThreadHold[]): Promise<Outcome> {
  const publisher = new RunEventPublisher(context.pool, context.names, run.run_id);
  const signal = AbortSignal.any([active.controller.signal, ...holds.map((hold) => hold.signal)]);
  try {
    const result = await executeRun({
      run,
      // First claim of a run never resumed: nothing is checkpointed under its id yet.
      fresh: run.attempts === 1,
      checkpointer: context.checkpointer,
      store,
      planOptions: context.planOptions,
      signal,
      onEvent: (event) => publisher.publish(event),
      ...(context.durability ? { durability: context.durability } : {}),
      ...(context.audit ? { audit: context.audit } : {}),
    });
    await store.flush();
    return { result };
  } catch (error) {
    return { error: isPlangraphError(error) ? error : new PlangraphError("INTERNAL", `run '${run.run_id}' broke on worker ${context.worker}: ${describeError(error)}`, { cause: error }) };
  } finally {
    await publisher.flush();
  }
}

/**
 * Records the run's end (or its pause for approval) — only while this worker still holds it, so a
 * worker that lost its lease never overwrites the run's new holder. A cancel asked for meanwhile wins.
 */
async function settle(context: WorkerContext, run: RunRow, ownerId: string, outcome: Outcome, store: PgCompletionStore): Promise<void> {
  const status: QueuedRunStatus = "result" in outcome ? outcome.result.status : "failed";
  const error = "error" in outcome ? outcome.error.toJSON() : null;
  const { rows } = await context.pool.query<{ status: QueuedRunStatus }>(
    `UPDATE ${context.names.runs} SET
       status = CASE WHEN cancel_requested THEN 'cancelled' ELSE $3 END,
       ended_at = CASE WHEN cancel_requested OR $3 <> 'interrupted' THEN clock_timestamp() ELSE NULL END,
       result = $4, error = $5, resume_answer = NULL, lease_expires_at = NULL
     WHERE run_id = $1 AND owner_id = $2 AND status = 'running' RETURNING status`,
    [run.run_id, ownerId, status, "result" in outcome ? JSON.stringify(outcome.result) : null, error ? JSON.stringify(error) : null],
  );
  const ended = rows[0]?.status;
  if (!ended) return;
  // Waiters also poll the run row: a lost notice delays them, it loses nothing.
  await announce(context.pool, context.names, run.run_id).catch(() => undefined);
  context.instruments.runsEnded.add(1, { ...context.instruments.attributes, "plangraph.run.status": ended });
  await store.markRun(durableThread(run.tenant, run.thread_id), run.run_id, ended === "interrupted" ? "interrupted" : "finished").catch((error: unknown) => {
    // The run row already says how it ended; the thread's own mark only speeds up the next run's check.
    process.emitWarning(`queue: run '${run.run_id}' ended but its thread could not be marked: ${String(error)}`, { code: "PLANGRAPH_QUEUE" });
  });
}

/** Back to `interrupted` with the result it paused with, the refusal recorded in `error`. */
async function pauseAgain(context: WorkerContext, run: RunRow, ownerId: string, error: PlangraphError): Promise<void> {
  await context.pool.query(
    `UPDATE ${context.names.runs} SET status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'interrupted' END, error = $3, resume_answer = NULL, lease_expires_at = NULL
     WHERE run_id = $1 AND owner_id = $2 AND status = 'running'`,
    [run.run_id, ownerId, JSON.stringify(error.toJSON())],
  );
  // Waiters also poll the run row: a lost notice delays them, it loses nothing.
  await announce(context.pool, context.names, run.run_id).catch(() => undefined);
}

/** Puts a held run back in the queue for any worker, `delayMs` from now; its checkpoints stay. */
async function handBack(context: WorkerContext, run: RunRow, ownerId: string, delayMs: number): Promise<void> {
  const { rowCount } = await context.pool.query(
    `UPDATE ${context.names.runs} SET status = 'queued', owner_id = NULL, owner = NULL, lease_expires_at = NULL WHERE run_id = $1 AND owner_id = $2 AND status = 'running'`,
    [run.run_id, ownerId],
  );
  if (rowCount === 1) await enqueueRun(context.pool, context.names, run.run_id, delayMs);
  // Waiters also poll the run row: a lost notice delays them, it loses nothing.
  await announce(context.pool, context.names, run.run_id).catch(() => undefined);
}

/** A run of a limited tenant ended: its oldest queued runs are tried now rather than at their retry. */
async function wakeTenant(context: WorkerContext, tenant: string): Promise<void> {
  if (!context.tenantConcurrency) return;
  const limit = (await context.tenantConcurrency(tenant)) ?? Infinity;
  if (!Number.isFinite(limit)) return;
  const { rows } = await context.pool.query<{ run_id: string }>(
    `SELECT run_id FROM ${context.names.runs} WHERE tenant = $1 AND status = 'queued' ORDER BY submitted_at LIMIT $2`,
    [tenant, Math.max(1, Math.min(limit, 20))],
  );
  for (const row of rows) await enqueueRun(context.pool, context.names, row.run_id);
}
