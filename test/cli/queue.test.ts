/**
 * The queue's CLI as users run it: `plangraph worker`, `submit`, `runs`, real processes and a
 * real PostgreSQL (PLANGRAPH_TEST_DATABASE_URL; the database-free cases run without it).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support.js";
import { childEnv, runCliProcess, spawnWorker, until, type WorkerProcess } from "../../bench/queue-workers.js";
import { getRun, listRuns, submitRun, waitForRun } from "../../src/queue/index.js";
import { queueTestDatabase, type QueueTestDatabase } from "../../bench/queue-database.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const dir = mkdtempSync(join(tmpdir(), "plangraph-queue-cli-"));
const planFile = (name: string, plan: unknown) => {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
};
const twoSteps = planFile("two", {
  steps: [
    { id: "find", tool: "sleep", params: { ms: 150, ci_id: "vm-01" } },
    { id: "report", tool: "echo", output_mapping: { ci: "{find.data.ci_id}" } },
  ],
});
const failing = planFile("failing", { steps: [{ id: "boom", tool: "fail", params: { message: "down on purpose" } }] });
const invalid = planFile("invalid", { steps: [{ id: "a", tool: "echo", output_mapping: { x: "{nowhere.data}" } }] });
const gated = planFile("gated", { steps: [{ id: "restart", tool: "echo", params: { ci_id: "vm-01" }, requires_approval: true }] });
const slow = planFile("slow", { steps: [{ id: "wait", tool: "sleep", params: { ms: 30_000 } }] });

describe("cli: worker, submit and runs without a database", () => {
  it.each([["worker"], ["submit", twoSteps], ["runs", "list"]])("'%s' without DATABASE_URL is a usage error (exit 2) naming DATABASE_URL", async (...argv) => {
    const { code, err } = await runCli(argv);
    expect(code).toBe(2);
    expect(err).toMatch(/'\w+' needs DATABASE_URL/);
  });

  it.each([
    [["worker", "--concurrency", "0"], /--concurrency takes a whole number from 1 to 1000, got '0'/],
    [["worker", "--lease-ms", "2.5s"], /--lease-ms takes a whole number from 1000 to 600000, got '2.5s'/],
    [["worker", "extra"], /'worker' takes no arguments, got 'extra'/],
    [["submit"], /'submit' needs exactly one plan file/],
    [["submit", twoSteps, "--tenant", "Not A Tenant"], /--tenant 'Not A Tenant': a tenant id is lower-case/],
    [["runs"], /'runs' needs an action: list, show <id>, cancel <id>, resume <id>/],
    [["runs", "resume", "x"], /'runs resume' needs at least one --approve <step>, --reject <step> or --params <step>=<json>/],
    [["runs", "resume", "x", "--approve", "a", "--reject", "a"], /step 'a' cannot be both approved and rejected/],
    [["runs", "resume", "x", "--params", "a={"], /--params for step 'a' is not valid JSON/],
    [["runs", "show", "x", "--approve", "a"], /--approve is an option of 'runs resume' only/],
    [["runs", "remove", "x"], /'runs' has no action 'remove'/],
    [["runs", "show"], /'runs show' needs a run id/],
    [["runs", "list", "--status", "done"], /--status 'done' is not a run status/],
    [["runs", "cancel", "x", "--limit", "3"], /--limit is an option of 'runs list' only/],
    [["submit", twoSteps, "--wai"], /'submit' has no option '--wai' \(did you mean '--wait'\?\)/],
    [["worker", "--drain-ms", "-1"], /--drain-ms/],
    [["worker", "--durability", "always"], /--durability must be one of sync, async, exit, got 'always'/],
  ])("%j is a usage error naming the flag or word", async (argv, message) => {
    const { code, err } = await runCli(argv as string[]);
    expect(code).toBe(2);
    expect(err).toMatch(message as RegExp);
  });

  it.each(["worker", "submit", "runs"])("'%s --help' explains every option and DATABASE_URL", async (command) => {
    const { code, out } = await runCli([command, "--help"]);
    expect(code).toBe(0);
    expect(out).toContain(`usage: plangraph ${command}`);
    expect(out).toContain("DATABASE_URL");
    const flags = { worker: ["--concurrency", "--tools", "--lease-ms", "--durability"], submit: ["--thread", "--wait", "--json", "--key", "--tools", "--tenant", "--user", "--roles"], runs: ["--json", "--status", "--limit"] }[command]!;
    for (const flag of flags) expect(out).toContain(flag);
  });
});

if (!url) {
  describe("cli: worker, submit and runs on PostgreSQL", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let db: QueueTestDatabase;
  let worker: WorkerProcess;
  const cli = (args: string[]) => runCliProcess(args, childEnv(db.env));
  const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

  beforeAll(async () => {
    db = await queueTestDatabase(url, "cli");
    worker = spawnWorker("cli", ["--concurrency", "4", "--lease-ms", "3000"], childEnv(db.env));
    await worker.ready;
  }, 60_000);
  afterAll(async () => {
    worker?.child.kill("SIGKILL");
    await db?.drop();
  });

  describe("cli: worker, submit and runs on PostgreSQL (real processes)", () => {
    it("submit --json prints only { run_id }; once a worker ran it, runs show --json prints its result", async () => {
      const submitted = await cli(["submit", twoSteps, "--json"]);
      expect(submitted.code).toBe(0);
      expect(Object.keys(json(submitted.stdout))).toEqual(["run_id"]);
      const runId = String(json(submitted.stdout).run_id);
      const result = await waitForRun(runId, db.connection);
      expect(result).toMatchObject({ status: "completed", results: { report: { data: { ci: "vm-01" } } }, errors: {} });
      const shown = await cli(["runs", "show", runId, "--json"]);
      expect(shown.code).toBe(0);
      expect(json(shown.stdout)).toEqual({ ...result, run_id: runId });
    }, 60_000);

    it("submit --wait shows live per-step progress from the worker on stderr, then the summary, exit 0", async () => {
      const waited = await cli(["submit", twoSteps, "--wait"]);
      expect(waited.code).toBe(0);
      expect(waited.stderr).toMatch(/^queued: run \S+ on thread \S+ \(queued\)$/m);
      expect(waited.stderr).toMatch(/^✓ find \d+ ms$/m);
      expect(waited.stderr).toMatch(/^✓ report \d+ ms$/m);
      expect(waited.stdout).toMatch(/^COMPLETED · SERIAL · 2 done, 0 failed, 0 skipped/);
    }, 60_000);

    it("submit --wait --json exits as run does: 1 when a step failed, 3 when waiting for approval; runs resume --approve queues it again", async () => {
      const failed = await cli(["submit", failing, "--wait", "--json"]);
      expect(failed.code).toBe(1);
      expect(json(failed.stdout)).toMatchObject({ status: "failed", errors: { boom: expect.stringContaining("down on purpose") } });
      const paused = await cli(["submit", gated, "--wait", "--json"]);
      expect(paused.code).toBe(3);
      const interrupted = json(paused.stdout);
      expect(interrupted).toMatchObject({ status: "interrupted", pending: [{ step: "restart", tool: "echo" }] });
      const resumed = await cli(["runs", "resume", String(interrupted.run_id), "--approve", "restart", "--json"]);
      expect(resumed.code).toBe(0);
      expect(json(resumed.stdout).status).toBe("queued");
      const result = await waitForRun(String(interrupted.run_id), db.connection);
      expect(result).toMatchObject({ status: "completed", results: { restart: { data: { ci_id: "vm-01" } } }, pending: [] });
    }, 90_000);

    it("an invalid plan is refused before it is queued: exit 2 naming the step and the reference, and no run is added", async () => {
      const before = await listRuns({ limit: 1000 }, db.connection);
      const refused = await cli(["submit", invalid, "--json"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/nowhere/);
      expect(json(refused.stdout).error).toMatchObject({ code: expect.any(String) });
      expect((await listRuns({ limit: 1000 }, db.connection)).length).toBe(before.length);
    }, 60_000);

    it("submit --key twice returns the first run, not a second one", async () => {
      const key = `retry-${process.pid}`;
      const first = await cli(["submit", twoSteps, "--key", key, "--json"]);
      const again = await cli(["submit", twoSteps, "--key", key]);
      const runId = String(json(first.stdout).run_id);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`already submitted with this key: run ${runId}`);
      expect((await listRuns({ limit: 1000 }, db.connection)).filter((r) => r.run_id === runId)).toHaveLength(1);
    }, 60_000);

    it("runs cancel stops a run while it runs on the worker, and runs list shows it cancelled", async () => {
      const { run_id } = await submitRun({ plan: JSON.parse(readFileSync(slow, "utf8")) }, db.connection);
      await until("the run to start on the worker", async () => ((await getRun(run_id, db.connection)).status === "running" ? true : undefined));
      const cancelled = await cli(["runs", "cancel", run_id, "--json"]);
      expect(cancelled.code).toBe(0);
      expect(json(cancelled.stdout)).toMatchObject({ run_id, cancel_requested: true });
      await until("the worker to stop the run", async () => ((await getRun(run_id, db.connection)).status === "cancelled" ? true : undefined), 10_000);
      const listed = JSON.parse((await cli(["runs", "list", "--json", "--status", "cancelled"])).stdout) as Array<{ run_id: string; status: string }>;
      expect(listed.map((r) => r.run_id)).toContain(run_id);
    }, 60_000);

    it("submit --tenant/--user/--roles queue the run under that caller, and its thread is that tenant's", async () => {
      const submitted = await cli(["submit", twoSteps, "--tenant", "beta", "--user", "ana", "--roles", "ops,viewer", "--thread", "shared", "--json"]);
      expect(submitted.code).toBe(0);
      const runId = String(json(submitted.stdout).run_id);
      expect((await getRun(runId, db.connection)).tenant).toBe("beta");
      expect((await listRuns({ tenant: "beta" }, db.connection)).map((r) => r.run_id)).toEqual([runId]);
      // The same thread id under another tenant is another thread: not busy.
      const other = await cli(["submit", twoSteps, "--thread", "shared", "--json"]);
      expect(other.code).toBe(0);
      expect((await getRun(String(json(other.stdout).run_id), db.connection)).tenant).toBe("acme");
    }, 60_000);

    it("worker --durability exit checkpoints a run only when it ends; the default checkpoints every superstep; both give the same result", async () => {
      const chain = { steps: ["a", "b", "c"].map((id, i) => ({ id, tool: "echo", params: { id }, ...(i ? { depends_on: [["a", "b", "c"][i - 1]!] } : {}) })) };
      const checkpoints = async (queue: QueueTestDatabase, runId: string) => {
        const run = await getRun(runId, queue.connection);
        const { rows } = await queue.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${queue.schema}".checkpoints WHERE thread_id = $1`, [`${run.tenant}/${run.thread_id}`]);
        return Number(rows[0]!.n);
      };
      const byDefault = await submitRun({ plan: chain }, db.connection);
      const defaultResult = await waitForRun(byDefault.run_id, db.connection);
      const exitDb = await queueTestDatabase(url, "cliexit");
      const exitWorker = spawnWorker("cli-exit", ["--concurrency", "2", "--durability", "exit"], childEnv(exitDb.env));
      try {
        expect(await exitWorker.ready).toBeTruthy();
        expect(exitWorker.stderr()).toMatch(/ready: .*durability exit/);
        const atExit = await submitRun({ plan: chain }, exitDb.connection);
        const exitResult = await waitForRun(atExit.run_id, exitDb.connection);
        expect(exitResult.results).toEqual(defaultResult.results);
        expect(await checkpoints(exitDb, atExit.run_id)).toBe(1);
        expect(await checkpoints(db, byDefault.run_id)).toBeGreaterThan(2);
      } finally {
        exitWorker.child.kill("SIGKILL");
        await exitWorker.exit;
        await exitDb.drop();
      }
    }, 60_000);

    it("runs show of an unknown id is exit 2 naming the id", async () => {
      const shown = await cli(["runs", "show", "00000000-0000-4000-8000-000000000000"]);
      expect(shown.code).toBe(2);
      expect(shown.stderr).toMatch(/RUN_NOT_FOUND.*00000000-0000-4000-8000-000000000000/);
    }, 60_000);
  });
}
