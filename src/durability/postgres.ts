import pg from "pg";
import type { CompletionStore, StoredRun } from "./completion-store.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";

/** A PostgreSQL schema name plangraph accepts: a plain lower-case identifier. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The PostgreSQL schema for a `--db` value when `DATABASE_URL` is set: the value lower-cased, every
 * character outside `[a-z0-9_]` replaced by `_`, a leading digit prefixed with `_`, cut at 63
 * characters. `runs.sqlite` → `runs_sqlite`; the same `--db` always lands in the same schema.
 */
export function schemaForDb(db: string): string {
  let name = db.trim().toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (!name) name = "plangraph";
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return name.slice(0, 63);
}

/**
 * Completion store and plan registry in PostgreSQL, beside LangGraph's PostgresSaver tables in the
 * same schema: the PostgreSQL counterpart of SqliteCompletionStore.
 *
 * Writes go out in the order the scheduler makes them, one after another (a later record of a step
 * never lands before an earlier one), and every read waits for the writes before it. Unlike
 * SQLite's synchronous writes, a completion is durable once its INSERT commits — a few
 * milliseconds after the tool returned; a crash inside that window re-runs that one step.
 */
export class PgCompletionStore implements CompletionStore {
  readonly durable = true;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private readonly tables: { completions: string; threads: string };

  /** `pool` stays the caller's unless `ownsPool`; `schema` must exist (see `setup`). */
  constructor(
    private readonly pool: pg.Pool,
    readonly schema = "public",
    private readonly ownsPool = false,
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
    this.tables = { completions: `"${schema}".plangraph_completions`, threads: `"${schema}".plangraph_threads` };
  }

  /** Opens a pool on `connectionString` and creates the schema and tables if needed. */
  static async open(connectionString: string, schema = "public"): Promise<PgCompletionStore> {
    const store = new PgCompletionStore(new pg.Pool({ connectionString, max: 4 }), schema, true);
    try {
      await store.setup();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Creates the schema and the two tables (idempotent; safe when several processes start at once). */
  async setup(run?: () => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Concurrent CREATE … IF NOT EXISTS can still collide in the catalogue: serialise per schema.
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [`plangraph-setup:${this.schema}`]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.tables.completions} (
          run_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL,
          PRIMARY KEY (run_id, kind, id))`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.tables.threads} (
          thread_id TEXT PRIMARY KEY, plan TEXT NOT NULL, tools TEXT, updated_at BIGINT NOT NULL)`);
        await client.query(`ALTER TABLE ${this.tables.threads} ADD COLUMN IF NOT EXISTS run_id TEXT`);
        await run?.();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`plangraph-setup:${this.schema}`]);
      }
    } finally {
      client.release();
    }
  }

  async load(runId: string): Promise<StoredRun> {
    await this.flush();
    const { rows } = await this.pool.query<{ kind: string; id: string; body: unknown }>(`SELECT kind, id, body FROM ${this.tables.completions} WHERE run_id = $1`, [runId]);
    const run: StoredRun = { steps: {}, decisions: {}, answers: {} };
    for (const row of rows) {
      if (row.kind === "step") run.steps[row.id] = row.body as StepRecord;
      else if (row.kind === "decision") run.decisions[row.id] = row.body as DecisionOutcome;
      else if (row.kind === "answer") run.answers[row.id] = row.body as ApprovalAnswer;
    }
    return run;
  }

  saveStep(runId: string, step: string, record: StepRecord): Promise<void> {
    return this.put(runId, "step", step, record);
  }

  saveDecision(runId: string, decision: string, outcome: DecisionOutcome): Promise<void> {
    return this.put(runId, "decision", decision, outcome);
  }

  saveAnswer(runId: string, step: string, answer: ApprovalAnswer): Promise<void> {
    return this.put(runId, "answer", step, answer);
  }

  discard(runId: string): Promise<void> {
    return this.enqueue(() => this.pool.query(`DELETE FROM ${this.tables.completions} WHERE run_id = $1`, [runId]));
  }

  /**
   * Remembers which plan (and tool module) a thread runs, and the id of its current run, before any
   * tool starts: `resume` needs only the thread, even for a run killed before its first checkpoint.
   */
  savePlan(threadId: string, plan: string, tools: string | undefined, runId?: string): Promise<void> {
    return this.enqueue(() =>
      this.pool.query(
        `INSERT INTO ${this.tables.threads} (thread_id, plan, tools, updated_at, run_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (thread_id) DO UPDATE SET plan = excluded.plan, tools = excluded.tools, updated_at = excluded.updated_at, run_id = excluded.run_id`,
        [threadId, plan, tools ?? null, Date.now(), runId ?? null],
      ),
    );
  }

  async loadPlan(threadId: string): Promise<{ plan: string; tools: string | undefined; runId: string | undefined } | undefined> {
    await this.flush();
    const { rows } = await this.pool.query<{ plan: string; tools: string | null; run_id: string | null }>(
      `SELECT plan, tools, run_id FROM ${this.tables.threads} WHERE thread_id = $1`,
      [threadId],
    );
    const row = rows[0];
    return row ? { plan: row.plan, tools: row.tools ?? undefined, runId: row.run_id ?? undefined } : undefined;
  }

  /** Waits for every write made so far; rejects with the first write that failed. */
  async flush(): Promise<void> {
    await this.tail;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  /** Finishes pending writes, then closes the pool if this store opened it. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.ownsPool) await this.pool.end();
    }
  }

  private put(runId: string, kind: string, id: string, body: unknown): Promise<void> {
    return this.enqueue(() =>
      this.pool.query(
        `INSERT INTO ${this.tables.completions} (run_id, kind, id, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_id, kind, id) DO UPDATE SET body = excluded.body`,
        [runId, kind, id, JSON.stringify(body)],
      ),
    );
  }

  private enqueue(write: () => Promise<unknown>): Promise<void> {
    const done = this.tail.then(write).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
        throw error;
      },
    );
    // The chain itself never rejects, so one failed write does not block the ones after it.
    this.tail = done.catch(() => undefined);
    return done;
  }
}
