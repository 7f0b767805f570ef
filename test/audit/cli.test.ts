import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { main, type CliIO } from "../../src/cli/main.js";
import { lazyAuditSink } from "../../src/durability/audit-open.js";
import { PgAuditTrail } from "../../src/durability/audit-postgres.js";
import { SqliteAuditTrail } from "../../src/durability/audit-sqlite.js";
import type { AuditEntry } from "../../src/model/audit.js";
import { entry, testSchema, TEST_DATABASE_URL } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-audit-cli-"));
const schema = testSchema("cli");
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (TEST_DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
});

/** The CLI in-process with its own environment. */
async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stderrIsTTY: false, stdinIsTTY: true, env, liveHandles: () => [] };
  const code = await main(argv, io);
  return { code, out, err };
}

const SEED: AuditEntry[] = [
  entry({ at: "2026-12-01T09:00:00.000Z", tenant: "acme", user: "alice", step: "window", outcome: "ok" }),
  entry({ at: "2026-12-01T09:05:00.000Z", tenant: "globex", user: "bob", thread_id: "t-globex", step: "comment", tool: "incident_comment", outcome: "failed:TOOL_FAILED", detail: "incident INC-7 is closed" }),
  entry({ at: "2026-12-01T09:10:00.000Z", tenant: "acme", user: "carol", kind: "approval", step: "window", outcome: "approved" }),
  entry({ at: "2026-12-01T09:15:00.000Z", tenant: "acme", user: "dave", kind: "refusal", step: "restart", tool: "ci_restart", outcome: "refused:TOOL_NOT_ALLOWED", detail: "role viewer may not call ci_restart" }),
];

async function seededFile(name: string): Promise<string> {
  const file = join(dir, name);
  const trail = SqliteAuditTrail.open(file);
  for (const e of SEED) await trail.append(e);
  trail.close();
  return file;
}

describe("plangraph audit on a SQLite file", () => {
  it("lists every tenant's entries newest first as a table, one line each, with the count", async () => {
    const db = await seededFile("list.sqlite");
    const { code, out, err } = await cli(["audit", "--db", db]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^AT\s+KIND\s+TENANT\s+USER\s+THREAD\s+STEP\s+TOOL\s+OUTCOME\s+DETAIL$/);
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/)[3])).toEqual(["dave", "carol", "bob", "alice"]);
    expect(lines[1]).toContain("role viewer may not call ci_restart");
    expect(lines[5]).toBe("4 entries");
  });

  it("prints one JSON array with --json and applies --tenant, --user, --kind, --since, --limit and --oldest", async () => {
    const db = await seededFile("filters.sqlite");
    const json = async (...flags: string[]) => {
      const { code, out } = await cli(["audit", "--db", db, "--json", ...flags]);
      expect(code).toBe(0);
      return (JSON.parse(out) as AuditEntry[]).map((e) => e.user);
    };
    expect(await json()).toEqual(["dave", "carol", "bob", "alice"]);
    expect(await json("--tenant", "acme")).toEqual(["dave", "carol", "alice"]);
    expect(await json("--tenant", "globex")).toEqual(["bob"]);
    expect(await json("--user", "carol")).toEqual(["carol"]);
    expect(await json("--kind", "refusal")).toEqual(["dave"]);
    expect(await json("--thread", "t-globex")).toEqual(["bob"]);
    expect(await json("--outcome", "failed")).toEqual(["bob"]);
    expect(await json("--since", "2026-12-01T09:05:00Z", "--until", "2026-12-01T10:10:00+01:00")).toEqual(["carol", "bob"]);
    expect(await json("--limit", "1", "--oldest")).toEqual(["alice"]);
    const { out } = await cli(["audit", "--db", db, "--json", "--limit", "1"]);
    expect(JSON.parse(out)).toEqual([SEED[3]]);
  });

  it("exits 2 naming the path when --db does not exist, and creates nothing there", async () => {
    const missing = join(dir, "nope", "missing.sqlite");
    const { code, err, out } = await cli(["audit", "--db", missing]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(`error DATABASE_NOT_FOUND: no audit trail at '${missing}'`);
    expect(existsSync(missing)).toBe(false);
  });

  it("exits 2 naming the flag for a bad --kind, --limit or --since, and for --verify with a filter", async () => {
    const db = await seededFile("usage.sqlite");
    for (const [flags, says] of [
      [["--kind", "reads"], "--kind must be one of tool_call, approval, rejection, refusal, run_refused, got 'reads'"],
      [["--limit", "0"], "--limit takes a whole number ≥ 1"],
      [["--since", "yesterday"], "--since takes an ISO-8601 instant with a zone"],
      [["--until", "2026-12-01T09:05Z"], "--until takes an ISO-8601 instant with a zone"],
      [["--verify", "--tenant", "acme"], "--verify checks the whole trail: it takes no filter (got --tenant)"],
      [["--tennant", "acme"], "'audit' has no option '--tennant' (did you mean '--tenant'?)"],
    ] as Array<[string[], string]>) {
      const { code, err } = await cli(["audit", "--db", db, ...flags]);
      expect({ flags, code }).toEqual({ flags, code: 2 });
      expect(err).toContain(says);
    }
  });

  it("--verify exits 0 on an intact chain and 1 naming the row once a row was edited in the file", async () => {
    const db = await seededFile("verify.sqlite");
    const intact = await cli(["audit", "--db", db, "--verify"]);
    expect(intact).toEqual({ code: 0, out: expect.stringMatching(/^audit trail in '.*verify\.sqlite': 4 rows, hash chain intact, head 4:[0-9a-f]{64}\n$/), err: "" });
    const anchor = /head (\S+)/.exec(intact.out)![1]!;
    expect((await cli(["audit", "--db", db, "--verify", "--anchor", anchor])).code).toBe(0);
    expect(await cli(["audit", "--db", db, "--verify", "--anchor", `4:${"0".repeat(64)}`])).toMatchObject({ code: 1, err: expect.stringContaining("row 4 does not match the anchor") });
    expect(await cli(["audit", "--db", db, "--anchor", anchor])).toMatchObject({ code: 2, err: expect.stringContaining("--anchor goes with --verify") });
    const raw = new Database(db);
    raw.exec("DROP TRIGGER plangraph_audit_no_update");
    raw.prepare("UPDATE plangraph_audit SET outcome = 'ok' WHERE seq = 2").run();
    raw.close();
    const tampered = await cli(["audit", "--db", db, "--verify"]);
    expect(tampered.code).toBe(1);
    expect(tampered.err).toContain("was tampered with at row 2: row 2 was changed");
    const asJson = await cli(["audit", "--db", db, "--verify", "--json"]);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.out)).toMatchObject({ ok: false, rows: 2, position: 2 });
  });

  it("reads the default trail (PLANGRAPH_AUDIT_DB) without --db", async () => {
    const db = await seededFile("default.sqlite");
    const { code, out } = await cli(["audit", "--json", "--tenant", "globex"], { PLANGRAPH_AUDIT_DB: db });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([SEED[1]]);
  });

  it("as a real process: exit 1 with the row named on a tampered trail, exit 2 on a missing one", async () => {
    const db = await seededFile("process.sqlite");
    const raw = new Database(db);
    raw.exec("DROP TRIGGER plangraph_audit_no_delete");
    raw.prepare("DELETE FROM plangraph_audit WHERE seq = 3").run();
    raw.close();
    const run = (args: string[]) => spawnSync(process.execPath, [resolve("bin/plangraph.mjs"), "audit", ...args], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "" } });
    const tampered = run(["--db", db, "--verify"]);
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toContain("tampered with at row 3: row 3 is missing (deleted)");
    const missing = run(["--db", join(dir, "absent.sqlite")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("absent.sqlite");
  }, 60_000);
});

describe("the default trail of runs without --db", () => {
  it("is not created by a run that audits nothing, and holds what is appended once it is", async () => {
    const file = join(dir, "lazy", "audit.sqlite");
    const sink = lazyAuditSink(file, {});
    await sink.close();
    expect(existsSync(join(dir, "lazy"))).toBe(false);
    const used = lazyAuditSink(file, {});
    await used.append(SEED[0]!);
    await used.close();
    const { code, out } = await cli(["audit", "--db", file, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([SEED[0]]);
  });
});

describe.skipIf(!TEST_DATABASE_URL)("plangraph audit with DATABASE_URL", () => {
  it("reads and verifies the trail in the schema --db names, and exits 2 for a schema without one", async () => {
    const trail = await PgAuditTrail.open(TEST_DATABASE_URL!, schema);
    for (const e of SEED) await trail.append(e);
    await trail.close();
    const env = { DATABASE_URL: TEST_DATABASE_URL };
    const listed = await cli(["audit", "--db", schema, "--json", "--tenant", "acme", "--kind", "approval"], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([SEED[2]]);
    expect(await cli(["audit", "--db", schema, "--verify"], env)).toMatchObject({ code: 0, out: expect.stringContaining("4 rows, hash chain intact") });
    const missing = await cli(["audit", "--db", `${schema}_absent`], env);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`no audit trail in PostgreSQL schema '${schema}_absent'`);
  });
});
