/**
 * A run queue of its own for one benchmark or test: a fresh PostgreSQL schema (and graphile-worker's
 * `<schema>_jobs` beside it) in the given database, so parallel suites and other users of the
 * database never see each other's runs. Dropped afterwards.
 */
import pg from "pg";

export interface QueueTestDatabase {
  url: string;
  schema: string;
  /** What the library's calls take: the caller's pool (left open) and the schema. */
  connection: { pool: pg.Pool; schema: string };
  /** What the CLI's processes read: DATABASE_URL and PLANGRAPH_QUEUE_SCHEMA. */
  env: Record<string, string>;
  /** A small pool of the caller's (the queue's tables are in `schema`). */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A queue in schema `q_<purpose>_<pid>_<time>`; nothing is created until the first use. */
export async function queueTestDatabase(url: string, purpose: string): Promise<QueueTestDatabase> {
  const schema = `q_${purpose}_${process.pid}_${Date.now().toString(36)}`.slice(0, 50);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", () => undefined);
  await pool.query("SELECT 1");
  return {
    url,
    schema,
    connection: { pool, schema },
    env: { DATABASE_URL: url, PLANGRAPH_QUEUE_SCHEMA: schema },
    pool,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`);
      await pool.end();
    },
  };
}
