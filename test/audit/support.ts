/**
 * The three audit trails as the tests drive them — memory, a SQLite file, a schema of the
 * PostgreSQL database in PLANGRAPH_TEST_DATABASE_URL — with raw SQL on their tables for the
 * tampering an attacker with database access would do (the application's guards bypassed).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { AuditEntry } from "../../src/model/audit.js";
import { paramsDigest } from "../../src/model/audit.js";
import type { AuditTrail } from "../../src/durability/audit-trail.js";
import { MemoryAuditTrail } from "../../src/durability/audit-memory.js";
import { SqliteAuditTrail } from "../../src/durability/audit-sqlite.js";
import { PgAuditTrail } from "../../src/durability/audit-postgres.js";

export const TEST_DATABASE_URL = process.env.PLANGRAPH_TEST_DATABASE_URL;

export interface TrailUnderTest {
  name: string;
  trail: AuditTrail;
  /** Raw SQL as an attacker would run it (`T.` before a table name is the schema), `$n` parameters. */
  sql?: (statement: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;
  /** Drops the append-only triggers, as an attacker with DDL rights would before editing rows. */
  dropGuards?: () => Promise<void>;
  close(): Promise<void>;
}

export function sqliteTrail(dir: string, file = "runs.sqlite"): TrailUnderTest {
  const path = join(dir, file);
  const trail = SqliteAuditTrail.open(path);
  const sql = async (statement: string, params: unknown[] = []) => {
    const db = new Database(path, { fileMustExist: true });
    try {
      const prepared = db.prepare(statement.replace(/\bT\./g, "").replace(/\$\d+/g, "?"));
      return prepared.reader ? (prepared.all(...params) as Array<Record<string, unknown>>) : (prepared.run(...params), []);
    } finally {
      db.close();
    }
  };
  return {
    name: "sqlite",
    trail,
    sql,
    dropGuards: async () => {
      for (const t of ["plangraph_audit_no_update", "plangraph_audit_no_delete", "plangraph_audit_head_no_delete", "plangraph_audit_head_forward"]) await sql(`DROP TRIGGER ${t}`);
    },
    close: async () => trail.close(),
  };
}

export async function postgresTrail(url: string, schema: string): Promise<TrailUnderTest> {
  const trail = await PgAuditTrail.open(url, schema);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const sql = async (statement: string, params: unknown[] = []) => (await pool.query(statement.replace(/\bT\./g, `"${schema}".`), params)).rows;
  return {
    name: "postgres",
    trail,
    sql,
    dropGuards: async () => {
      for (const [t, table] of [["plangraph_audit_no_change", "plangraph_audit"], ["plangraph_audit_no_truncate", "plangraph_audit"], ["plangraph_audit_head_no_delete", "plangraph_audit_head"], ["plangraph_audit_head_forward", "plangraph_audit_head"]]) {
        await sql(`DROP TRIGGER ${t} ON T.${table}`);
      }
    },
    close: async () => {
      await trail.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

export function memoryTrail(): TrailUnderTest {
  return { name: "memory", trail: new MemoryAuditTrail(), close: async () => undefined };
}

/** A unique PostgreSQL schema for one test file. */
export function testSchema(tag: string): string {
  return `audit_${tag}_${process.pid}_${Date.now().toString(36)}`;
}

/** An entry with plausible defaults; `overrides` set what the test is about. */
export function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: "tool_call",
    at: "2026-12-01T10:00:00.000Z",
    tenant: "acme",
    user: "alice",
    trace_id: "trace-1",
    thread_id: "thread-1",
    run_key: "run-1",
    step: "window",
    item_index: null,
    tool: "ci_set_maintenance",
    params_digest: paramsDigest({ ci_id: "db-prod-01", minutes: 30 }),
    outcome: "ok",
    detail: null,
    ...overrides,
  };
}
