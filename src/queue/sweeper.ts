import type pg from "pg";
import { expiredRuns, orphanedRuns, strandedRuns } from "./claim.js";
import { enqueueRun, TAKEOVER_PRIORITY } from "./jobs.js";
import { stopRun, type WorkerContext } from "./take-run.js";

/**
 * A worker's watch over the queue, besides taking jobs:
 *
 * - takeover: every `everyMs` it re-queues runs whose lease expired — their worker was killed or
 *   cut off — so a live worker claims them within lease + one sweep (graphile-worker itself would
 *   leave a crashed worker's job locked for four hours);
 * - orphans: queued runs left without a job that will take them are given one again;
 * - cancellation: it LISTENs for cancels and aborts the held run at once, and at each sweep it
 *   also reads the cancel flags of its runs, in case a notification was missed (a reconnect);
 * - the queue depth metric, counted at each sweep.
 */
const warned = new Set<string>();

/** A sweep's failure, said once per distinct message (a sweeper retries every tick). */
function warnOnce(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`queue: a sweep for lapsed and stranded runs failed (retried on the next tick): ${message}`, { code: "PLANGRAPH_QUEUE" });
}

export async function startSweeper(context: WorkerContext, everyMs: number): Promise<{ stop(): Promise<void> }> {
  const listener = await listenForCancels(context);
  let stopped = false;
  let sweeping: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    // One sweep at a time: a slow database must not pile sweeps up.
    // A failed sweep is retried on the next tick, and said once per distinct cause: takeover depends on it.
    sweeping = sweeping.then(() => sweep(context)).catch((error: unknown) => warnOnce(error));
  }, everyMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await sweeping;
      await listener.stop();
    },
  };
}

async function sweep(context: WorkerContext): Promise<void> {
  const { pool, names } = context;
  if (!context.draining) {
    // Taken over ahead of the backlog: a lost worker's runs must not wait behind new submissions.
    for (const runId of await expiredRuns(pool, names)) await enqueueRun(pool, names, runId, 0, TAKEOVER_PRIORITY);
    for (const runId of await strandedRuns(pool, names, context.leaseMs)) await enqueueRun(pool, names, runId, 0, TAKEOVER_PRIORITY);
    for (const runId of await orphanedRuns(pool, names)) await enqueueRun(pool, names, runId);
  }
  const held = [...context.active.keys()];
  if (held.length) {
    const { rows } = await pool.query<{ run_id: string }>(`SELECT run_id FROM ${names.runs} WHERE run_id = ANY($1) AND cancel_requested`, [held]);
    for (const row of rows) {
      const active = context.active.get(row.run_id);
      if (active) stopRun(active, "cancel");
    }
  }
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${names.runs} WHERE status = 'queued'`);
  context.instruments.setDepth(Number(rows[0]?.n ?? 0));
}

/** A dedicated connection LISTENing for cancels of runs this worker holds. */
async function listenForCancels(context: WorkerContext): Promise<{ stop(): Promise<void> }> {
  let client: pg.PoolClient | undefined;
  const onNotification = (message: pg.Notification) => {
    const active = message.payload ? context.active.get(message.payload) : undefined;
    if (active) stopRun(active, "cancel");
  };
  try {
    client = await context.pool.connect();
    client.on("notification", onNotification);
    // A broken listener connection only costs latency: the sweep reads cancel flags too.
    client.on("error", () => undefined);
    await client.query(`LISTEN "${context.names.cancelChannel}"`);
  } catch {
    client?.release(true);
    client = undefined;
  }
  return {
    stop: async () => {
      if (!client) return;
      client.off("notification", onNotification);
      // The connection is released next; a failed UNLISTEN ends with it.
      await client.query(`UNLISTEN "${context.names.cancelChannel}"`).catch(() => undefined);
      client.release();
    },
  };
}
