import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { chainHash } from "../../src/durability/audit-chain.js";
import { entry, memoryTrail, postgresTrail, sqliteTrail, testSchema, TEST_DATABASE_URL, type TrailUnderTest } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const kinds: Array<[string, () => Promise<TrailUnderTest>]> = [
  ["memory", async () => memoryTrail()],
  ["sqlite", async () => sqliteTrail(dir, `trail-${++counter}.sqlite`)],
  ...(TEST_DATABASE_URL ? [["postgres", () => postgresTrail(TEST_DATABASE_URL!, testSchema(`t${++counter}`))] as [string, () => Promise<TrailUnderTest>]] : []),
];

describe.each(kinds)("audit trail: %s", (_name, open) => {
  let t: TrailUnderTest;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(async () => t.close());

  const seed = async () => {
    await t.trail.append(entry({ at: "2026-12-01T10:00:00.000Z", tenant: "acme", user: "alice", step: "a", outcome: "ok" }));
    await t.trail.append(entry({ at: "2026-12-01T10:01:00.000Z", tenant: "globex", user: "bob", step: "b", thread_id: "thread-2", outcome: "failed:TOOL_FAILED" }));
    await t.trail.append(entry({ at: "2026-12-01T11:02:00+01:00", tenant: "acme", user: "carol", step: "c", kind: "approval", tool: "incident_comment", outcome: "approved", run_key: "run-2" }));
    await t.trail.append(entry({ at: "2026-12-01T10:03:00.000Z", tenant: "acme", user: "alice", step: "d", kind: "refusal", outcome: "refused:TOOL_NOT_ALLOWED", detail: "role viewer may not call ci_set_maintenance" }));
  };
  const steps = (list: Array<{ step: string | null }>) => list.map((e) => e.step);

  it("reads back what was appended, newest first by default and oldest first on request, with instants in UTC", async () => {
    await seed();
    const newest = await t.trail.list({ allTenants: true });
    expect(steps(newest)).toEqual(["d", "c", "b", "a"]);
    expect(newest[1]).toEqual(entry({ at: "2026-12-01T10:02:00.000Z", tenant: "acme", user: "carol", step: "c", kind: "approval", tool: "incident_comment", outcome: "approved", run_key: "run-2" }));
    expect(steps(await t.trail.list({ allTenants: true, order: "oldest" }))).toEqual(["a", "b", "c", "d"]);
  });

  it("filters by tenant, user, thread, run, step, tool, kind, outcome (or its prefix), time and count", async () => {
    await seed();
    expect(steps(await t.trail.list({ tenant: "acme" }))).toEqual(["d", "c", "a"]);
    expect(steps(await t.trail.list({ tenant: "globex" }))).toEqual(["b"]);
    expect(steps(await t.trail.list({ tenant: "initech" }))).toEqual([]);
    expect(steps(await t.trail.list({ tenant: "acme", user: "alice" }))).toEqual(["d", "a"]);
    expect(steps(await t.trail.list({ allTenants: true, thread: "thread-2" }))).toEqual(["b"]);
    expect(steps(await t.trail.list({ allTenants: true, run_key: "run-2" }))).toEqual(["c"]);
    expect(steps(await t.trail.list({ allTenants: true, step: "b" }))).toEqual(["b"]);
    expect(steps(await t.trail.list({ allTenants: true, tool: "incident_comment" }))).toEqual(["c"]);
    expect(steps(await t.trail.list({ allTenants: true, kind: "refusal" }))).toEqual(["d"]);
    expect(steps(await t.trail.list({ allTenants: true, outcome: "failed" }))).toEqual(["b"]);
    expect(steps(await t.trail.list({ allTenants: true, outcome: "refused:TOOL_NOT_ALLOWED" }))).toEqual(["d"]);
    expect(steps(await t.trail.list({ allTenants: true, outcome: "fail%" }))).toEqual([]);
    expect(steps(await t.trail.list({ allTenants: true, since: "2026-12-01T10:01:00Z", until: "2026-12-01T11:02:00+01:00" }))).toEqual(["c", "b"]);
    expect(steps(await t.trail.list({ allTenants: true, limit: 2 }))).toEqual(["d", "c"]);
    expect(steps(await t.trail.list({ allTenants: true, limit: 2, order: "oldest" }))).toEqual(["a", "b"]);
  });

  it("refuses a read that names no tenant unless it asks for every tenant, and a malformed filter naming the field", async () => {
    await seed();
    await expect(t.trail.list({})).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("a tenant is required") });
    await expect(t.trail.list({ tenant: "acme", since: "yesterday" })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("since") });
    await expect(t.trail.list({ tenant: "acme", limit: 0 })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("limit") });
  });

  it("refuses an entry that breaks the schema with AUDIT_FAILED naming the field, and appends nothing", async () => {
    await expect(t.trail.append({ ...entry(), tenant: undefined } as never)).rejects.toMatchObject({ code: "AUDIT_FAILED", message: expect.stringContaining("tenant") });
    await expect(t.trail.append(entry({ at: "not a time" }))).rejects.toMatchObject({ code: "AUDIT_FAILED", message: expect.stringContaining("at") });
    expect(await t.trail.list({ allTenants: true })).toEqual([]);
    expect(await t.trail.verify()).toEqual({ ok: true, rows: 0 });
  });

  it("verifies an untouched chain", async () => {
    await seed();
    expect(await t.trail.verify()).toEqual({ ok: true, rows: 4, head: { seq: 4, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });
});

const sqlKinds = kinds.filter(([name]) => name !== "memory");

describe.each(sqlKinds)("audit trail in the database: %s", (name, open) => {
  let t: TrailUnderTest;
  beforeEach(async () => {
    t = await open();
    for (const step of ["a", "b", "c", "d", "e"]) await t.trail.append(entry({ step, outcome: step === "c" ? "failed:TOOL_FAILED" : "ok" }));
  });
  afterEach(async () => t.close());
  const sql = (statement: string, params?: unknown[]) => t.sql!(statement, params);

  it("refuses UPDATE and DELETE of a row in the database itself, and keeps the row", async () => {
    await expect(sql("UPDATE T.plangraph_audit SET outcome = 'ok' WHERE seq = 3")).rejects.toThrow(/append-only/);
    await expect(sql("DELETE FROM T.plangraph_audit WHERE seq = 3")).rejects.toThrow(/append-only/);
    await expect(sql("DELETE FROM T.plangraph_audit")).rejects.toThrow(/append-only/);
    if (name === "postgres") await expect(sql("TRUNCATE T.plangraph_audit")).rejects.toThrow(/append-only/);
    expect((await sql("SELECT outcome FROM T.plangraph_audit WHERE seq = 3"))[0]).toEqual({ outcome: "failed:TOOL_FAILED" });
    expect(await t.trail.verify()).toMatchObject({ ok: true, rows: 5 });
  });

  it("refuses to move the chain's head back or anywhere but the row just appended", async () => {
    await expect(sql("UPDATE T.plangraph_audit_head SET seq = 4, hash = (SELECT hash FROM T.plangraph_audit WHERE seq = 4)")).rejects.toThrow(/only moves to the row just appended/);
    await expect(sql("DELETE FROM T.plangraph_audit_head")).rejects.toThrow(/never deleted|append-only/);
  });

  it("finds a row changed behind its back (guards dropped) and names its position", async () => {
    await t.dropGuards!();
    await sql("UPDATE T.plangraph_audit SET outcome = 'ok' WHERE seq = 3");
    expect(await t.trail.verify()).toMatchObject({ ok: false, position: 3, problem: expect.stringContaining("row 3 was changed") });
  });

  it("finds a changed row whose hash was recomputed too, at the next row", async () => {
    await t.dropGuards!();
    const [row] = await sql("SELECT prev_hash FROM T.plangraph_audit WHERE seq = 3");
    const forged = chainHash(String(row!.prev_hash), 3, entry({ step: "c", outcome: "ok" }));
    await sql("UPDATE T.plangraph_audit SET outcome = 'ok', hash = $1 WHERE seq = 3", [forged]);
    expect(await t.trail.verify()).toMatchObject({ ok: false, position: 4, problem: expect.stringContaining("row 4 does not follow row 3") });
  });

  it("finds a row deleted from the middle and names the missing position", async () => {
    await t.dropGuards!();
    await sql("DELETE FROM T.plangraph_audit WHERE seq = 2");
    expect(await t.trail.verify()).toMatchObject({ ok: false, position: 2, problem: expect.stringContaining("row 2 is missing") });
  });

  it("finds rows deleted from the end, which leave no gap", async () => {
    await t.dropGuards!();
    await sql("DELETE FROM T.plangraph_audit WHERE seq >= 4");
    expect(await t.trail.verify()).toMatchObject({ ok: false, position: 4, problem: expect.stringContaining("row 4–5 is missing (deleted from the end)") });
  });

  it("finds a row inserted in the middle (the rows after it renumbered) and names where the chain breaks", async () => {
    await t.dropGuards!();
    for (const seq of [5, 4, 3]) await sql("UPDATE T.plangraph_audit SET seq = seq + 1 WHERE seq = $1", [seq]);
    const [before] = await sql("SELECT hash FROM T.plangraph_audit WHERE seq = 2");
    const inserted = entry({ step: "forged", outcome: "approved", kind: "approval" });
    const hash = chainHash(String(before!.hash), 3, inserted);
    await sql(
      "INSERT INTO T.plangraph_audit (seq, kind, at, tenant, user_id, trace_id, thread_id, run_key, step, item_index, tool, params_digest, outcome, detail, prev_hash, hash) VALUES (3, $1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, NULL, $12, $13)",
      [inserted.kind, inserted.at, inserted.tenant, inserted.user, inserted.trace_id, inserted.thread_id, inserted.run_key, inserted.step, inserted.tool, inserted.params_digest, inserted.outcome, String(before!.hash), hash],
    );
    expect(await t.trail.verify()).toMatchObject({ ok: false, position: 4, problem: expect.stringContaining("row 4 does not follow row 3") });
  });

  it("finds a row appended behind the application's back", async () => {
    await t.dropGuards!();
    const [last] = await sql("SELECT hash FROM T.plangraph_audit WHERE seq = 5");
    const forged = entry({ step: "forged" });
    await sql(
      "INSERT INTO T.plangraph_audit (seq, kind, at, tenant, user_id, trace_id, thread_id, run_key, step, item_index, tool, params_digest, outcome, detail, prev_hash, hash) VALUES (6, $1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, NULL, $12, $13)",
      [forged.kind, forged.at, forged.tenant, forged.user, forged.trace_id, forged.thread_id, forged.run_key, forged.step, forged.tool, forged.params_digest, forged.outcome, String(last!.hash), chainHash(String(last!.hash), 6, forged)],
    );
    expect(await t.trail.verify()).toMatchObject({ ok: false, position: 6, problem: expect.stringContaining("row 6 was inserted after the last row the application wrote") });
  });

  it("finds a chain rewritten whole from a changed row on, given an anchor recorded before", async () => {
    const verified = await t.trail.verify();
    if (!verified.ok || !verified.head) throw new Error("expected an intact trail with a head");
    const anchor = verified.head;
    await t.dropGuards!();
    // The attacker changes row 2 and recomputes every hash after it, head included.
    const rows = await sql("SELECT seq, prev_hash FROM T.plangraph_audit ORDER BY seq");
    let prev = String(rows[0]!.prev_hash);
    for (const row of rows) {
      const seq = Number(row.seq);
      const step = ["a", "b", "c", "d", "e"][seq - 1]!;
      const rewritten = entry({ step, outcome: seq === 2 ? "failed:HIDDEN" : step === "c" ? "failed:TOOL_FAILED" : "ok" });
      const hash = chainHash(prev, seq, rewritten);
      await sql("UPDATE T.plangraph_audit SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4", [rewritten.outcome, prev, hash, seq]);
      prev = hash;
    }
    await sql("UPDATE T.plangraph_audit_head SET hash = $1", [prev]);
    expect(await t.trail.verify()).toMatchObject({ ok: true, rows: 5 });
    expect(await t.trail.verify(anchor)).toMatchObject({ ok: false, position: 5, problem: expect.stringContaining("row 5 does not match the anchor recorded for it") });
  });
});

describe("audit trail in a SQLite file edited byte by byte", () => {
  it("finds the row whose bytes were changed in the file itself, triggers untouched", async () => {
    const t = sqliteTrail(dir, "bytes.sqlite");
    for (const step of ["a", "b", "c"]) await t.trail.append(entry({ step, outcome: step === "b" ? "failed:TOOL_FAILED" : "ok" }));
    await t.close(); // checkpoints the write-ahead log: every row is in the file
    const file = join(dir, "bytes.sqlite");
    const bytes = readFileSync(file);
    const at = bytes.indexOf("failed:TOOL_FAILED");
    expect(at).toBeGreaterThan(0);
    bytes.write("passed", at); // same length: the page stays well-formed
    writeFileSync(file, bytes);
    const reopened = sqliteTrail(dir, "bytes.sqlite");
    try {
      expect(await reopened.trail.verify()).toMatchObject({ ok: false, position: 2, problem: "row 2 was changed: its contents do not match its hash" });
      expect((await reopened.trail.list({ allTenants: true, step: "b" }))[0]?.outcome).toBe("passed:TOOL_FAILED");
    } finally {
      await reopened.close();
    }
  });
});
