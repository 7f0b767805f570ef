import type pg from "pg";
import type { RunEvent } from "../engine/scheduler.js";
import type { QueueNames } from "./store.js";

/**
 * A run's progress events, published from whichever worker holds the run: each is appended to
 * `plangraph_run_events` and announced with NOTIFY, so a client waiting on any machine streams
 * them live (`waitForRun`'s `onEvent`) and one that arrives late reads them back in order.
 * One write is out at a time, in the order the run made the events; those made while it is out go
 * together in the next (one statement, one notice), so a burst — a step's end and its dependents'
 * starts — costs one round trip. A failed write is dropped (progress is not the run's outcome) and
 * its events counted.
 */
export class RunEventPublisher {
  private pending: string[] = [];
  private writing: Promise<void> | undefined;
  /** Events that could not be written. */
  dropped = 0;

  constructor(
    private readonly pool: Pick<pg.Pool, "query">,
    private readonly names: QueueNames,
    private readonly runId: string,
  ) {}

  publish(event: RunEvent): void {
    this.pending.push(JSON.stringify(event));
    this.writing ??= this.drain();
  }

  /** Waits until every event published so far is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      // WITH ORDINALITY keeps the batch's order in the sequence the events are read back by.
      await this.pool
        .query(
          `WITH added AS (INSERT INTO ${this.names.events} (run_id, event) SELECT $1, e.event FROM unnest($2::jsonb[]) WITH ORDINALITY AS e(event, n) ORDER BY e.n RETURNING seq)
           SELECT pg_notify($3, $1) FROM (SELECT 1 FROM added LIMIT 1) AS one`,
          [this.runId, batch, this.names.eventsChannel],
        )
        .then(
          () => undefined,
          () => void (this.dropped += batch.length),
        );
    }
    this.writing = undefined;
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
