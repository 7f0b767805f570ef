import type pg from "pg";
import type { RunResult } from "../engine/result.js";
import type { RunEvent } from "../engine/scheduler.js";
import { PlangraphError } from "../model/errors.js";
import { readEvents } from "./events.js";
import { readRun } from "./runs.js";
import { ensureQueue, poolFor, queueNames, type QueueConnection, type QueueNames } from "./store.js";
import type { QueuedRunDetail, QueuedRunStatus } from "./types.js";

/** How `waitForRun` waits. */
export interface WaitOptions extends QueueConnection {
  /** Stops waiting (the run goes on): the promise rejects with RUN_ABORTED. */
  signal?: AbortSignal;
  /** Each progress event of the run, in order, from whichever worker holds it (earlier ones first). */
  onEvent?: (event: RunEvent) => void;
  /** Each change of the run's status (queued → running on a worker → …). */
  onStatus?: (run: QueuedRunDetail) => void;
  /** How often the run row is read besides notifications (default 1000 ms). */
  pollMs?: number;
}

/** The contract's result of a queued run, with its id. */
export type QueuedRunResult = RunResult & { run_id: string };

const SETTLED: ReadonlySet<QueuedRunStatus> = new Set(["completed", "failed", "interrupted", "cancelled"]);

/**
 * Waits until the run has ended or paused for approval and returns its result with `run_id`,
 * streaming its events to `onEvent` meanwhile (LISTEN/NOTIFY, with a poll as the fallback). A run
 * that failed before producing a result rejects with its error (code and message as recorded); a
 * cancelled run rejects with RUN_ABORTED (what it had done is in its completion store, and
 * `getRun` says where it stood); an unknown id with RUN_NOT_FOUND.
 */
export async function waitForRun(runId: string, options: WaitOptions): Promise<QueuedRunResult> {
  const names = queueNames(options.schema);
  const { pool, release } = poolFor(options, 2);
  try {
    await ensureQueue(pool, names);
    return await follow(pool, names, runId, options);
  } finally {
    await release();
  }
}

async function follow(pool: pg.Pool, names: QueueNames, runId: string, options: WaitOptions): Promise<QueuedRunResult> {
  const client = await pool.connect();
  let wake: (() => void) | undefined;
  const onNotification = (message: pg.Notification) => {
    if (message.payload === runId) wake?.();
  };
  const onError = () => wake?.();
  client.on("notification", onNotification);
  client.on("error", onError);
  const onAbort = () => wake?.();
  options.signal?.addEventListener("abort", onAbort);
  try {
    await client.query(`LISTEN "${names.eventsChannel}"`);
    let seq = 0;
    let status: string | undefined;
    for (;;) {
      if (options.signal?.aborted) throw new PlangraphError("RUN_ABORTED", `stopped waiting for run '${runId}' (it goes on)`, { cause: options.signal.reason });
      const woken = new Promise<void>((resolve) => (wake = resolve));
      // Events first, then the row: a run seen settled has all its events read already.
      for (const item of await readEvents(pool, names, runId, seq)) {
        seq = item.seq;
        options.onEvent?.(item.event);
      }
      const run = await readRun(pool, names, runId);
      if (run.status !== status) {
        status = run.status;
        options.onStatus?.(run);
      }
      if (SETTLED.has(run.status)) {
        for (const item of await readEvents(pool, names, runId, seq)) options.onEvent?.(item.event);
        return outcome(run);
      }
      const timer = setTimeout(() => wake?.(), options.pollMs ?? 1000);
      await woken;
      clearTimeout(timer);
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    client.off("notification", onNotification);
    client.off("error", onError);
    // The connection is released next; a failed UNLISTEN ends with it.
    await client.query(`UNLISTEN "${names.eventsChannel}"`).catch(() => undefined);
    client.release();
  }
}

function outcome(run: QueuedRunDetail): QueuedRunResult {
  // Paused again because its approver was refused: the resumer hears why.
  if (run.status === "interrupted" && run.error) throw new PlangraphError(run.error.code as PlangraphError["code"], run.error.message);
  if (run.result) return run.result as QueuedRunResult;
  if (run.status === "cancelled") throw new PlangraphError("RUN_ABORTED", `run '${run.run_id}' was cancelled${run.started_at ? "" : " before it started"}`);
  if (run.error) throw new PlangraphError(run.error.code as PlangraphError["code"], `run '${run.run_id}' failed: ${run.error.message}`);
  throw new PlangraphError("QUEUE_FAILED", `run '${run.run_id}' ended ${run.status} without a result`);
}
