import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openMemoryBackend } from "../../src/durability/memory.js";
import { openDurable } from "../../src/durability/open.js";
import { schemaForDb } from "../../src/durability/postgres.js";
import { entry, TEST_DATABASE_URL } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-audit-backend-"));
const pgDb = `auditbackend_${process.pid}_${Date.now().toString(36)}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (TEST_DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schemaForDb(pgDb)}" CASCADE`);
    await pool.end();
  }
});

describe("the durable backends carry the audit trail in the checkpoints' own database", () => {
  it("SQLite: the trail's tables are in the --db file beside LangGraph's checkpoints, and survive reopening", async () => {
    const file = join(dir, "runs.sqlite");
    const backend = await openDurable(file, {});
    await backend.checkpointer.getTuple({ configurable: { thread_id: "t" } }); // creates the checkpoint tables
    await backend.audit!.append(entry({ step: "first" }));
    await backend.close();
    const raw = new Database(file, { readonly: true });
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    raw.close();
    expect(tables).toEqual(expect.arrayContaining(["checkpoints", "plangraph_completions", "plangraph_audit", "plangraph_audit_head"]));
    const again = await openDurable(file, {}, { mustExist: true });
    try {
      expect((await again.audit!.list({ tenant: "acme" })).map((e) => e.step)).toEqual(["first"]);
      expect(await again.audit!.verify()).toMatchObject({ ok: true, rows: 1 });
    } finally {
      await again.close();
    }
  });

  it.skipIf(!TEST_DATABASE_URL)("PostgreSQL: the trail is in the schema of --db, beside the checkpoints", async () => {
    const backend = await openDurable(pgDb, { DATABASE_URL: TEST_DATABASE_URL! });
    try {
      await backend.audit!.append(entry({ step: "first" }));
      expect(backend.audit!.where).toBe(`PostgreSQL schema '${schemaForDb(pgDb)}'`);
    } finally {
      await backend.close();
    }
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const { rows } = await pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [schemaForDb(pgDb)]);
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(["checkpoints", "plangraph_completions", "plangraph_audit", "plangraph_audit_head"]));
      expect((await pool.query(`SELECT step FROM "${schemaForDb(pgDb)}".plangraph_audit`)).rows).toEqual([{ step: "first" }]);
    } finally {
      await pool.end();
    }
  });

  it("memory: a trail that lives and dies with the backend", async () => {
    const backend = openMemoryBackend();
    await backend.audit!.append(entry());
    expect(await backend.audit!.list({ allTenants: true })).toEqual([entry()]);
  });
});
