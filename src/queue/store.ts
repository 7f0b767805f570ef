import pg from "pg";
import { Logger, runMigrations, type LogLevel } from "graphile-worker";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { PgCompletionStore } from "../durability/postgres.js";
import { PgAuditTrail } from "../durability/audit-postgres.js";
import { PlangraphError, describeError } from "../model/errors.js";

/**
 * Where the run queue lives: one PostgreSQL database and schema holding the runs, their events,
 * the checkpoints and completion store (so a run taken over on another worker continues from
 * them), and graphile-worker's job tables in a schema of their own beside it.
 */
export interface QueueConnection {
  /** A PostgreSQL connection string (a pool is opened and closed per call) … */
  databaseUrl?: string;
  /** … or a pool of the caller's, left open. */
  pool?: pg.Pool;
  /** The schema of the runs (default `plangraph`): separate schemas are separate queues. */
  schema?: string;
}

/**
 * graphile-worker's schema: one per database, shared by every queue schema in it (each queue has
 * its own task identifier, so a worker only takes its queue's jobs). One, because a worker shuts
 * itself down when any graphile-worker schema in its database is migrated for the first time.
 */
export const JOBS_SCHEMA = "plangraph_jobs";

/** The default schema of the run queue. */
export const DEFAULT_QUEUE_SCHEMA = "plangraph";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,50}$/;

/** Every name the queue uses in its schema, quoted where SQL needs it. */
export interface QueueNames {
  schema: string;
  runs: string;
  events: string;
  /** graphile-worker's schema (unquoted, as its options take it) and its quoted form for SQL. */
  jobsSchema: string;
  jobs: string;
  /** The graphile-worker task of this queue's runs. */
  task: string;
  /** NOTIFY channels: a run's new events, and cancellations. */
  eventsChannel: string;
  cancelChannel: string;
}

/** The names of the queue in `schema`; a schema that is not a plain identifier is a typed error. */
export function queueNames(schema: string = DEFAULT_QUEUE_SCHEMA): QueueNames {
  if (!SCHEMA_NAME.test(schema)) throw new PlangraphError("USAGE", `invalid queue schema name '${schema}': use [a-z_][a-z0-9_]*, at most 51 characters`);
  return {
    schema,
    runs: `"${schema}".plangraph_runs`,
    events: `"${schema}".plangraph_run_events`,
    jobsSchema: JOBS_SCHEMA,
    jobs: `"${JOBS_SCHEMA}"`,
    task: `plangraph_run_${schema}`,
    eventsChannel: `plangraph_events_${schema}`,
    cancelChannel: `plangraph_cancel_${schema}`,
  };
}

/** graphile-worker's logger, quiet except for warnings and errors (which go to stderr). */
export function queueLogger(): Logger {
  return new Logger(() => (level: LogLevel, message: string) => {
    if (level === "error" || level === "warning") process.stderr.write(`plangraph queue: ${message}\n`);
  });
}

/** Opens a pool for `connection`, or lends the caller's; `release` ends only a pool it opened. */
export function poolFor(connection: QueueConnection, max = 4): { pool: pg.Pool; release: () => Promise<void> } {
  if (connection.pool) return { pool: connection.pool, release: async () => undefined };
  const url = connection.databaseUrl?.trim();
  if (!url) throw new PlangraphError("USAGE", "the run queue needs a PostgreSQL database: pass databaseUrl (e.g. DATABASE_URL) or a pool");
  const pool = quietPool(url, max);
  return { pool, release: () => pool.end() };
}

/**
 * A pool whose idle and connecting clients' errors (the server restarting) never crash the
 * process: the next query reports them.
 */
export function quietPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => void client.on("error", () => undefined));
  return pool;
}

const ready = new WeakMap<pg.Pool, Map<string, Promise<void>>>();

/**
 * Creates the queue's tables (runs, events), the durable run tables (checkpoints, completions,
 * threads, leases, audit trail) and graphile-worker's, once per pool and schema. Idempotent and safe when many
 * processes start at once. A database that cannot be used is QUEUE_FAILED naming it.
 */
export function ensureQueue(pool: pg.Pool, names: QueueNames): Promise<void> {
  let bySchema = ready.get(pool);
  if (!bySchema) ready.set(pool, (bySchema = new Map()));
  let done = bySchema.get(names.schema);
  if (!done) {
    done = setUp(pool, names).catch((error: unknown) => {
      bySchema.delete(names.schema);
      throw new PlangraphError("QUEUE_FAILED", `cannot set up the run queue in PostgreSQL schema '${names.schema}': ${describeError(error)}`, { cause: error });
    });
    bySchema.set(names.schema, done);
  }
  return done;
}

async function setUp(pool: pg.Pool, names: QueueNames): Promise<void> {
  const checkpointer = new PostgresSaver(pool, undefined, { schema: names.schema });
  const store = new PgCompletionStore(pool, names.schema);
  const audit = new PgAuditTrail(pool, names.schema);
  await store.setup(async () => {
    await checkpointer.setup();
    await audit.createTables();
    for (const statement of queueTables(names)) await pool.query(statement);
  });
  await runMigrations({ pgPool: pool, schema: names.jobsSchema, logger: queueLogger() });
}

function queueTables(names: QueueNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${names.runs} (
      run_id TEXT PRIMARY KEY,
      thread_id TEXT NOT NULL,
      tenant TEXT NOT NULL,
      status TEXT NOT NULL,
      plan TEXT NOT NULL,
      caller JSONB NOT NULL,
      idempotency_key TEXT,
      submitted_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      started_at TIMESTAMPTZ,
      ended_at TIMESTAMPTZ,
      worker TEXT,
      owner_id TEXT,
      owner JSONB,
      lease_expires_at BIGINT,
      takeovers INT NOT NULL DEFAULT 0,
      attempts INT NOT NULL DEFAULT 0,
      cancel_requested BOOLEAN NOT NULL DEFAULT false,
      resume_answer JSONB,
      result JSONB,
      error JSONB)`,
    // A retried submit with the same key finds the first run: the database decides, not a read-then-write.
    `CREATE UNIQUE INDEX IF NOT EXISTS plangraph_runs_idempotency ON ${names.runs} (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    // One active run per thread, across every submitter at once.
    `CREATE UNIQUE INDEX IF NOT EXISTS plangraph_runs_active_thread ON ${names.runs} (tenant, thread_id) WHERE status IN ('queued', 'running', 'interrupted')`,
    `CREATE INDEX IF NOT EXISTS plangraph_runs_tenant_status ON ${names.runs} (tenant, status)`,
    `CREATE INDEX IF NOT EXISTS plangraph_runs_submitted ON ${names.runs} (submitted_at DESC)`,
    `CREATE TABLE IF NOT EXISTS ${names.events} (
      seq BIGSERIAL PRIMARY KEY,
      run_id TEXT NOT NULL,
      event JSONB NOT NULL,
      at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`,
    `CREATE INDEX IF NOT EXISTS plangraph_run_events_run ON ${names.events} (run_id, seq)`,
  ];
}

/** Now in ms on the database's clock, the one clock all workers share (as the thread leases use). */
export const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** Opens `connection`, makes sure the queue exists, works, and releases a pool it opened. */
export async function withQueue<T>(connection: QueueConnection, work: (pool: pg.Pool, names: QueueNames) => Promise<T>): Promise<T> {
  const names = queueNames(connection.schema);
  const { pool, release } = poolFor(connection);
  try {
    await ensureQueue(pool, names);
    return await work(pool, names);
  } finally {
    await release();
  }
}
