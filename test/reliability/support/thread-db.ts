/**
 * The two databases a CLI thread can live in, as the thread tests drive them: a SQLite file, or a
 * schema of the PostgreSQL database in PLANGRAPH_TEST_DATABASE_URL (DATABASE_URL for the children).
 * Each gives raw SQL on the plangraph tables, for tampering and for planting foreign leases.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { schemaForDb } from "../../../src/durability/postgres.js";

export interface ThreadDb {
  name: string;
  /** Environment for the child processes. */
  env: Record<string, string>;
  /** The `--db` argument. */
  db: string;
  /** Runs one statement on the plangraph tables (`$1`… parameters); `T.` before a table name is the schema. */
  exec(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** SQL for "now in ms" on this database's clock. */
  nowMs: string;
  cleanup(): Promise<void>;
}

export function sqliteDb(dir: string, name = "runs.sqlite"): ThreadDb {
  const file = join(dir, name);
  return {
    name: "sqlite",
    env: {},
    db: file,
    nowMs: "CAST(strftime('%s','now') AS INTEGER) * 1000",
    exec: async (sql, params = []) => {
      const db = new Database(file, { fileMustExist: true });
      try {
        const statement = db.prepare(sql.replace(/\bT\./g, "").replace(/\$\d+/g, "?"));
        return statement.reader ? (statement.all(...params) as Array<Record<string, unknown>>) : (statement.run(...params), []);
      } finally {
        db.close();
      }
    },
    cleanup: async () => undefined,
  };
}

export function postgresDb(url: string, tag: string): ThreadDb {
  const db = `thread_${tag}`;
  const schema = schemaForDb(db);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    name: "postgres",
    env: { DATABASE_URL: url },
    db,
    nowMs: "(extract(epoch from clock_timestamp()) * 1000)::bigint",
    exec: async (sql, params = []) => (await pool.query(sql.replace(/\bT\./g, `"${schema}".`), params)).rows,
    cleanup: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** The error code of a CLI's `--json` error output, in either shape the CLI has printed. */
export function errorCode(json: Record<string, unknown>): string | undefined {
  const error = json.error as { code?: string } | undefined;
  const errors = json.errors as Array<{ code?: string }> | undefined;
  return error?.code ?? errors?.[0]?.code;
}
