import pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { CompletionStore, StoredRun } from "./completion-store.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import { PlangraphError, describeError } from "../model/errors.js";
import type { DurableBackend, OpenOptions, PlanRegistry, ThreadRecord, ThreadStatus, ToolsModuleRef } from "./backend.js";
import { PgThreadLeases } from "./postgres-leases.js";
import { PgAuditTrail } from "./audit-postgres.js";
import { threadRecordFromRow, toolsColumns, type ThreadRow } from "./thread-row.js";

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
 * Completion store and plan registry in PostgreSQL, beside LangGraph's PostgresSaver tables and
 * the thread leases (PgThreadLeases) in the same schema: the PostgreSQL counterpart of
 * SqliteCompletionStore.
 *
 * Writes go out in the order the scheduler makes them, one after another (a later record of a step
 * never lands before an earlier one), and every read waits for the writes before it. Unlike
 * SQLite's synchronous writes, a completion is durable once its INSERT commits — a few
 * milliseconds after the tool returned; a crash inside that window re-runs that one step.
 */
export class PgCompletionStore implements CompletionStore, PlanRegistry {
  readonly durable = true;
  /** The thread leases in this schema. */
  readonly leases: PgThreadLeases;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  /** The batch of completions still taking rows, if any (see `put`). */
  private open: CompletionBatch | undefined;
  private readonly tables: { completions: string; threads: string };

  /** `pool` stays the caller's unless `ownsPool`; `schema` must exist (see `setup`). */
  constructor(
    private readonly pool: pg.Pool,
    readonly schema = "public",
    private readonly ownsPool = false,
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
    this.tables = { completions: `"${schema}".plangraph_completions`, threads: `"${schema}".plangraph_threads` };
    this.leases = new PgThreadLeases(pool, schema);
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

  /** Whether this schema holds plangraph's runs already (a `resume` must not create them). */
  async exists(): Promise<boolean> {
    const { rows } = await this.pool.query<{ found: string | null }>("SELECT to_regclass($1) AS found", [this.tables.threads]);
    return rows[0]?.found != null;
  }

  /** Creates the schema and the three tables (idempotent; safe when several processes start at once). */
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
        for (const column of ["run_id", "tools_sha256", "status"]) {
          await client.query(`ALTER TABLE ${this.tables.threads} ADD COLUMN IF NOT EXISTS ${column} TEXT`);
        }
        await this.leases.createTable(client);
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

  savePlan(threadId: string, plan: string, tools: ToolsModuleRef | undefined, runId: string): Promise<void> {
    return this.enqueue(() =>
      this.pool.query(
        `INSERT INTO ${this.tables.threads} (thread_id, plan, tools, tools_sha256, updated_at, run_id, status) VALUES ($1, $2, $3, $4, $5, $6, 'running')
         ON CONFLICT (thread_id) DO UPDATE SET plan = excluded.plan, tools = excluded.tools, tools_sha256 = excluded.tools_sha256,
           updated_at = excluded.updated_at, run_id = excluded.run_id, status = excluded.status`,
        [threadId, plan, ...toolsColumns(tools), Date.now(), runId],
      ),
    );
  }

  async loadPlan(threadId: string): Promise<ThreadRecord | undefined> {
    await this.flush();
    const { rows } = await this.pool.query<ThreadRow>(`SELECT plan, tools, tools_sha256, run_id, status FROM ${this.tables.threads} WHERE thread_id = $1`, [threadId]);
    const row = rows[0];
    return row ? threadRecordFromRow(row, threadId, `PostgreSQL schema '${this.schema}'`) : undefined;
  }

  markRun(threadId: string, runId: string, status: ThreadStatus): Promise<void> {
    return this.enqueue(() =>
      this.pool.query(`UPDATE ${this.tables.threads} SET status = $1, updated_at = $2 WHERE thread_id = $3 AND run_id = $4`, [status, Date.now(), threadId, runId]),
    );
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

  /**
   * Completions go out in batches: those saved while the store's previous write is out wait for it
   * and then go together, in one statement. Under the durable policy a dependent waits for its
   * inputs' completions, so a burst of n completions (a fan-out ending) costs it two round trips,
   * not n. A later save of the same completion in the same batch replaces the earlier one.
   */
  private put(runId: string, kind: string, id: string, body: unknown): Promise<void> {
    let batch = this.open;
    if (!batch) {
      const opened: CompletionBatch = { rows: new Map(), done: Promise.resolve() };
      opened.done = this.enqueue(() => {
        // From its turn on, the batch takes no more rows: later saves open the next one.
        if (this.open === opened) this.open = undefined;
        return this.insertRows([...opened.rows.values()]);
      }, true);
      this.open = batch = opened;
    }
    batch.rows.set(JSON.stringify([runId, kind, id]), [runId, kind, id, JSON.stringify(body)]);
    return batch.done;
  }

  private insertRows(rows: Array<[string, string, string, string]>): Promise<unknown> {
    const column = (i: number) => rows.map((row) => row[i]!);
    return this.pool.query(
      `INSERT INTO ${this.tables.completions} (run_id, kind, id, body)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
       ON CONFLICT (run_id, kind, id) DO UPDATE SET body = excluded.body`,
      [column(0), column(1), column(2), column(3)],
    );
  }

  /** Runs `write` after every write before it. Any write but a batch closes the open batch, so nothing saved after it goes before it. */
  private enqueue(write: () => Promise<unknown>, batch = false): Promise<void> {
    if (!batch) this.open = undefined;
    const done = this.tail.then(write).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
        throw error;
      },
    );
    // The chain itself never rejects, so one failed write does not block the ones after it; the
    // failure is not lost: the caller gets `done`, and `flush` (and so `close`) rethrows it.
    this.tail = done.catch(() => undefined);
    return done;
  }
}

/** Completions waiting to be written together (keyed by run, kind and id). */
interface CompletionBatch {
  rows: Map<string, [string, string, string, string]>;
  done: Promise<void>;
}

/**
 * A PostgreSQL database as a durable backend: PostgresSaver, PgCompletionStore and PgThreadLeases,
 * all in `schema`. With `mustExist`, a schema without plangraph's tables is DATABASE_NOT_FOUND and
 * nothing is created; a database that cannot be reached is DATABASE_UNUSABLE.
 */
export async function openPostgresBackend(url: string, schema: string, options: OpenOptions = {}): Promise<DurableBackend> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client's error (the server restarting) must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  const where = `PostgreSQL schema '${schema}' (DATABASE_URL)`;
  try {
    const checkpointer = new PostgresSaver(pool, undefined, { schema });
    const store = new PgCompletionStore(pool, schema);
    if (options.mustExist && !(await store.exists())) {
      throw new PlangraphError("DATABASE_NOT_FOUND", `no such database: ${where} holds no plangraph runs (a run started with --thread <id> --db creates them)`);
    }
    const audit = new PgAuditTrail(pool, schema);
    await store.setup(async () => {
      await checkpointer.setup();
      await audit.createTables();
    });
    return {
      checkpointer,
      completions: store,
      plans: store,
      leases: store.leases,
      audit,
      where,
      close: async () => {
        try {
          await store.close();
        } finally {
          await pool.end();
        }
      },
    };
  } catch (error) {
    // Best-effort clean-up: the error below is the one to report; a pool that fails to end too adds nothing.
    await pool.end().catch(() => undefined);
    if (error instanceof PlangraphError) throw error;
    throw new PlangraphError("DATABASE_UNUSABLE", `cannot use the PostgreSQL database in DATABASE_URL (schema '${schema}'): ${describeError(error)}`, { cause: error });
  }
}
