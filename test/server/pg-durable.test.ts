/**
 * Durable runs in PostgreSQL: with DATABASE_URL set, `run --thread --db` checkpoints in PostgreSQL
 * (PostgresSaver) and keeps eager completions and the plan in PgCompletionStore, in the schema
 * `--db` names; `resume` finishes an interrupted or killed run without calling a completed step's
 * tool again. Needs PLANGRAPH_TEST_DATABASE_URL (see .ci/postgres.sh); skipped with a message otherwise.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIO } from "../../src/cli/main.js";
import { PgCompletionStore, schemaForDb } from "../../src/durability/postgres.js";
import { REPO } from "./dev-server.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;

if (!url) {
  describe("durable runs in PostgreSQL", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph, see .ci/postgres.sh)", () => {});
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), "plangraph-pg-"));
  const log = join(dir, "calls.log");
  const tools = join(dir, "tools.mjs");
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const db = `pgtest-${tag}.db`; // as a user would type a file name; becomes a schema
  const otherDb = `pgtest-other-${tag}`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let previousUrl: string | undefined;

  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []);
  const planFile = (name: string, plan: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(plan));
    return file;
  };
  const cli = async (argv: string[]) => {
    let out = "";
    let err = "";
    const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stderrIsTTY: false, stdinIsTTY: false, env: {} };
    const code = await main(argv, io);
    return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> };
  };

  beforeAll(() => {
    previousUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
    // `work` logs every call; `hang_once` hangs on its first call (until killed), then succeeds.
    writeFileSync(
      tools,
      `import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
const log = (line) => appendFileSync(${JSON.stringify(log)}, line + "\\n");
const flag = ${JSON.stringify(join(dir, "hung-once"))};
export default [
  tool(async ({ tag }) => { log("work " + tag); return { data: { tag } }; },
    { name: "work", description: "Logs a call.", schema: z.object({ tag: z.string() }) }),
  tool(async ({ tag }) => {
    log("hang_once " + tag);
    if (!existsSync(flag)) { writeFileSync(flag, "1"); await new Promise(() => {}); }
    return { data: { tag } };
  }, { name: "hang_once", description: "Hangs the first time.", schema: z.object({ tag: z.string() }) }),
];
`,
    );
  });

  afterAll(async () => {
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
    for (const name of [db, otherDb]) await pool.query(`DROP SCHEMA IF EXISTS "${schemaForDb(name)}" CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("durable runs in PostgreSQL (DATABASE_URL)", () => {
    it("pauses for approval, keeps the run in the schema --db names, and resume finishes it; each tool once", async () => {
      const plan = planFile("approval.json", {
        steps: [
          { id: "find", tool: "work", params: { tag: "find" } },
          { id: "restart", tool: "work", output_mapping: { tag: "restart-{find.data.tag}" }, requires_approval: true },
          { id: "notify", tool: "work", output_mapping: { tag: "notify-{restart.data.tag}" } },
        ],
      });
      const paused = await cli(["run", plan, "--tools", tools, "--thread", "t-approve", "--db", db, "--json"]);
      expect(paused.code, paused.err).toBe(3);
      expect(paused.json()).toMatchObject({ status: "interrupted", pending: [{ step: "restart", tool: "work", params: { tag: "restart-find" } }] });

      // Everything lives in PostgreSQL, in the schema derived from --db.
      const schema = schemaForDb(db);
      expect(schema).toBe(`pgtest_${tag}_db`);
      const threads = await pool.query(`SELECT thread_id FROM "${schema}".plangraph_threads`);
      expect(threads.rows.map((r) => r.thread_id)).toContain("t-approve");
      const checkpoints = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".checkpoints WHERE thread_id = 't-approve'`);
      expect(checkpoints.rows[0].n).toBeGreaterThan(0);

      // Another --db is another schema: the thread is not there.
      const elsewhere = await cli(["resume", "--thread", "t-approve", "--db", otherDb, "--tools", tools, "--approve", "restart", "--json"]);
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.err).toMatch(/no such database: PostgreSQL schema 'pgtest_other_/);

      const done = await cli(["resume", "--thread", "t-approve", "--db", db, "--tools", tools, "--approve", "restart", "--json"]);
      expect(done.code, done.err).toBe(0);
      expect(done.json()).toMatchObject({ status: "completed", results: { notify: { data: { tag: "notify-restart-find" } } } });
      expect(calls()).toEqual(["work find", "work restart-find", "work notify-restart-find"]);
    });

    it("resumes a killed run: steps whose completion was stored in PostgreSQL are not called again", async () => {
      const before = calls().length;
      const plan = planFile("kill.json", {
        steps: [
          { id: "a", tool: "work", params: { tag: "a" } },
          { id: "b", tool: "work", params: { tag: "b" } },
          { id: "slow", tool: "hang_once", params: { tag: "slow" } },
          { id: "after", tool: "work", output_mapping: { tag: "{a.data.tag}+{b.data.tag}+{slow.data.tag}" } },
        ],
      });
      const child = spawn(process.execPath, [join(REPO, "bin/plangraph.mjs"), "run", plan, "--tools", tools, "--thread", "t-kill", "--db", db, "--json"], {
        cwd: REPO,
        detached: true,
        stdio: "ignore",
        env: { ...process.env, DATABASE_URL: url },
      });
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      // a and b finish at once and their completions are stored in PostgreSQL; slow hangs, so the
      // first superstep never ends before the kill.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const rows = await pool
          .query(`SELECT id FROM "${schemaForDb(db)}".plangraph_completions WHERE kind = 'step'`)
          .then((r) => r.rows.map((row) => row.id as string))
          .catch(() => [] as string[]);
        // …and LangGraph has written the thread's first checkpoint (a kill before it leaves nothing
        // to resume: a known limit of the core, see test/reliability/kill-resume.test.ts).
        const checkpoints = await pool
          .query(`SELECT count(*)::int AS n FROM "${schemaForDb(db)}".checkpoints WHERE thread_id = 't-kill'`)
          .then((r) => r.rows[0].n as number)
          .catch(() => 0);
        if (rows.includes("a") && rows.includes("b") && checkpoints > 0 && calls().includes("hang_once slow")) break;
        if (Date.now() > deadline) throw new Error(`the run did not get far enough: ${calls().join(", ")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      process.kill(-child.pid!, "SIGKILL");
      await exited;

      const resumed = await cli(["resume", "--thread", "t-kill", "--db", db, "--tools", tools, "--json"]);
      expect(resumed.code, resumed.err).toBe(0);
      expect(resumed.json()).toMatchObject({ status: "completed", results: { after: { data: { tag: "a+b+slow" } } } });
      // a and b ran once in all; slow was in flight when killed, so it ran again.
      expect(calls().slice(before).sort()).toEqual(["hang_once slow", "hang_once slow", "work a", "work a+b+slow", "work b"]);
    });
  });

  describe("PgCompletionStore", () => {
    it("keeps writes in order, reads after its own writes, and discards a finished run", async () => {
      const store = await PgCompletionStore.open(url, `pgtest_store_${tag}`);
      try {
        const record = (n: number) => ({ status: "done" as const, output: n, attempts: n });
        const writes = Array.from({ length: 20 }, (_, n) => store.saveStep("run-1", "loop", record(n)));
        void store.saveDecision("run-1", "enough", { status: "decided", branch: "then", source: "rule", reason: "ok" });
        void store.saveAnswer("run-1", "restart", { action: "approve", params: { ci_id: "x" } });
        const loaded = await store.load("run-1");
        await Promise.all(writes);
        expect(loaded.steps.loop).toMatchObject({ output: 19 });
        expect(loaded.decisions.enough).toMatchObject({ branch: "then" });
        expect(loaded.answers.restart).toEqual({ action: "approve", params: { ci_id: "x" } });
        const tools = { path: "/srv/tools.mjs", sha256: "a".repeat(64) };
        await store.savePlan("t", '{"steps":[]}', tools, "run-9");
        expect(await store.loadPlan("t")).toEqual({ plan: '{"steps":[]}', tools, runId: "run-9", status: "running" });
        await store.discard("run-1");
        expect(await store.load("run-1")).toEqual({ steps: {}, decisions: {}, answers: {} });
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS "pgtest_store_${tag}" CASCADE`);
        await store.close();
      }
    });

    it("maps --db values to schema names", () => {
      expect(schemaForDb("runs.sqlite")).toBe("runs_sqlite");
      expect(schemaForDb("Ops-Runs")).toBe("ops_runs");
      expect(schemaForDb("2024.db")).toBe("_2024_db");
      expect(schemaForDb("x".repeat(80))).toHaveLength(63);
    });
  });
}
