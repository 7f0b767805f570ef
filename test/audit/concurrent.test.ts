import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteAuditTrail } from "../../src/durability/audit-sqlite.js";
import { PgAuditTrail } from "../../src/durability/audit-postgres.js";
import type { AuditTrail } from "../../src/durability/audit-trail.js";
import { testSchema, TEST_DATABASE_URL } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-audit-2p-"));
const schema = testSchema("twoproc");
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (TEST_DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
});

const CHILD = resolve(import.meta.dirname, "fixtures/append-many.ts");
const PER_PROCESS = 150;

interface Appender {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; stderr: string }>;
}

/** A child process that opens the trail, says ready, and appends once told to go. */
function appender(target: string, tag: string): Appender {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, target, tag, String(PER_PROCESS)], {
    env: { ...process.env, ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : {}) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.on("close", () => reject(new Error(`appender ${tag} exited before it was ready: ${stderr}`)));
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  return { ready, go: () => child.stdin.end("go\n"), done };
}

const targets: Array<[string, string, () => Promise<AuditTrail & { close(): unknown }>]> = [
  ["sqlite", join(dir, "shared.sqlite"), async () => SqliteAuditTrail.open(join(dir, "shared.sqlite"))],
  ...(TEST_DATABASE_URL ? [["postgres", `pg:${schema}`, () => PgAuditTrail.open(TEST_DATABASE_URL!, schema)] as [string, string, () => Promise<AuditTrail & { close(): unknown }>]] : []),
];

describe.each(targets)("two processes appending to one trail: %s", (_name, target, open) => {
  it("keeps one valid chain holding every entry of both, each process's in its own order", async () => {
    const trail = await open();
    try {
      // Both start appending at the same instant, once both have opened the trail.
      const children = [appender(target, "p1"), appender(target, "p2")];
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      const [a, b] = await Promise.all(children.map((c) => c.done));
      expect(a).toEqual({ code: 0, stderr: "" });
      expect(b).toEqual({ code: 0, stderr: "" });
      expect(await trail.verify()).toMatchObject({ ok: true, rows: 2 * PER_PROCESS, head: { seq: 2 * PER_PROCESS } });
      const all = await trail.list({ allTenants: true, order: "oldest", limit: 10_000 });
      for (const tag of ["p1", "p2"]) {
        expect(all.filter((e) => e.user === tag).map((e) => e.item_index)).toEqual([...Array(PER_PROCESS).keys()]);
      }
      // The two really interleaved: the chain is not simply one process's run after the other's.
      const switches = all.filter((e, i) => i > 0 && e.user !== all[i - 1]!.user).length;
      expect(switches).toBeGreaterThan(1);
    } finally {
      await trail.close();
    }
  }, 60_000);
});
