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
 * that failed before producing a result rejects with its error (code and message as recorded); an
 * unknown id with RUN_NOT_FOUND.
 *
 * A cancelled run rejects with RUN_ABORTED ({@link CancelledRunError}: `cancelled` is not a result
 * status), naming the run (`error.run_id`). When the run had started, its worker recorded what it
 * had done and `error.result` carries it: the contract's result with status `failed`, the steps
 * that finished in `results`, the ones the cancel cut off in `errors` (code RUN_ABORTED in
 * `error_codes`), those that never ran in `skipped`. A run cancelled while waiting for approval
 * carries the result it paused with; one cancelled before it started carries none.
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

/** RUN_ABORTED for a cancelled run, carrying what it had done (`result`) when its worker recorded it. */
export type CancelledRunError = PlangraphError & { readonly run_id: string; readonly result?: QueuedRunResult };

function cancelled(run: QueuedRunDetail): CancelledRunError {
  const result = run.result as QueuedRunResult | null;
  const done = result ? Object.keys(result.results).length : 0;
  const when = !run.started_at ? " before it started" : result?.status === "interrupted" ? " while it waited for approval" : result ? ` after ${done} step${done === 1 ? "" : "s"} had finished` : "";
  const error = new PlangraphError("RUN_ABORTED", `run '${run.run_id}' was cancelled${when}`) as PlangraphError & { run_id: string; result?: QueuedRunResult };
  error.run_id = run.run_id;
  if (result) error.result = result;
  return error;
}

function outcome(run: QueuedRunDetail): QueuedRunResult {
  // Paused again because its approver was refused: the resumer hears why.
  if (run.status === "interrupted" && run.error) throw new PlangraphError(run.error.code as PlangraphError["code"], run.error.message);
  // Cancelled is not a result status (completed | failed | interrupted): a typed error, with what it had done.
  if (run.status === "cancelled") throw cancelled(run);
  if (run.result) return run.result as QueuedRunResult;
  if (run.error) throw new PlangraphError(run.error.code as PlangraphError["code"], `run '${run.run_id}' failed: ${run.error.message}`);
  throw new PlangraphError("QUEUE_FAILED", `run '${run.run_id}' ended ${run.status} without a result`);
}
