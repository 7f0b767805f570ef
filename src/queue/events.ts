import type pg from "pg";
import type { RunEvent } from "../engine/scheduler.js";
import type { QueueNames } from "./store.js";

/**
 * A run's progress events, published from whichever worker holds the run: each is appended to
 * `plangraph_run_events` and announced with NOTIFY, so a client waiting on any machine streams
 * them live (`waitForRun`'s `onEvent`) and one that arrives late reads them back in order.
 * Writes go out one after another in the order the run made them; a failed write is dropped
 * (progress is not the run's outcome) and counted.
 */
export class RunEventPublisher {
  private tail: Promise<void> = Promise.resolve();
  /** Events that could not be written. */
  dropped = 0;

  constructor(
    private readonly pool: Pick<pg.Pool, "query">,
    private readonly names: QueueNames,
    private readonly runId: string,
  ) {}

  publish(event: RunEvent): void {
    this.tail = this.tail.then(() =>
      this.pool
        .query(`WITH added AS (INSERT INTO ${this.names.events} (run_id, event) VALUES ($1, $2) RETURNING seq) SELECT pg_notify($3, $1) FROM added`, [
          this.runId,
          JSON.stringify(event),
          this.names.eventsChannel,
        ])
        .then(
          () => undefined,
          () => void this.dropped++,
        ),
    );
  }

  /** Waits until every event published so far is written. */
  flush(): Promise<void> {
    return this.tail;
  }
}

/** A run's events after `afterSeq`, in order. */
export async function readEvents(pool: Pick<pg.Pool, "query">, names: QueueNames, runId: string, afterSeq: number): Promise<Array<{ seq: number; event: RunEvent }>> {
  const { rows } = await pool.query<{ seq: string; event: RunEvent }>(`SELECT seq, event FROM ${names.events} WHERE run_id = $1 AND seq > $2 ORDER BY seq`, [runId, afterSeq]);
  return rows.map((row) => ({ seq: Number(row.seq), event: row.event }));
}

/** Tells waiting clients the run's row changed (it started, paused, ended, was handed back). */
export async function announce(pool: Pick<pg.Pool, "query">, names: QueueNames, runId: string): Promise<void> {
  await pool.query("SELECT pg_notify($1, $2)", [names.eventsChannel, runId]);
}
