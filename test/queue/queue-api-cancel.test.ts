/**
 * A run cancelled while it runs keeps what it had done (issue 16): its worker records the result of
 * the steps that finished, the cut-off ones in `errors`; `waitForRun` still rejects with
 * RUN_ABORTED (`cancelled` is not a result status) and carries that result; `runs show --json`
 * prints it; `submit --wait` exits 1 naming the run. Real PostgreSQL, an in-process worker, the CLI
 * in real processes.
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped with a message otherwise.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelRun, getRun, startWorker, submitRun, waitForRun, type CancelledRunError, type WorkerHandle } from "../../src/queue/index.js";
import { childEnv, runCliProcess, until } from "../../bench/queue-workers.js";
import { queueTestDatabase, type QueueTestDatabase } from "../../bench/queue-database.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
/** `quick` finishes at once, `long` is cut off by the cancel, `after` never runs. */
const PLAN = {
  steps: [
    { id: "quick", tool: "echo", params: { ci_id: "vm-01" } },
    { id: "long", tool: "sleep", params: { ms: 30_000 }, depends_on: ["quick"] },
    { id: "after", tool: "echo", params: { ci_id: "vm-02" }, depends_on: ["long"] },
  ],
};

if (!url) {
  describe("waitForRun on a cancelled run", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let db: QueueTestDatabase;
  let worker: WorkerHandle;
  const cli = (args: string[]) => runCliProcess(args, childEnv(db.env));
  const started = (runId: string) => until("the run to start on the worker", async () => ((await getRun(runId, db.connection)).status === "running" ? true : undefined), 30_000);
  const longStarted = (runId: string) =>
    until("step 'long' to start", async () => {
      const { rows } = await db.pool.query(`SELECT event FROM "${db.schema}".plangraph_run_events WHERE run_id = $1`, [runId]).catch(() => ({ rows: [] as Array<{ event: unknown }> }));
      return rows.some((row) => JSON.stringify(row.event).includes('"step_start"') && JSON.stringify(row.event).includes('"long"')) ? true : undefined;
    }, 30_000);

  beforeAll(async () => {
    db = await queueTestDatabase(url, "qapicancel");
    worker = await startWorker({ ...db.connection, leaseMs: 3000, concurrency: 2 });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
  });

  describe("a run cancelled while it runs keeps what it had done", () => {
    it("rejects waitForRun with RUN_ABORTED naming the run, carrying the result: finished steps in results, the cut-off one in errors", async () => {
      const { run_id } = await submitRun({ plan: PLAN }, db.connection);
      await started(run_id);
      await longStarted(run_id);
      await cancelRun(run_id, db.connection);

      const error = (await waitForRun(run_id, { ...db.connection, pollMs: 200 }).then(
        () => undefined,
        (e: unknown) => e,
      )) as CancelledRunError;
      expect(error).toMatchObject({ code: "RUN_ABORTED", run_id });
      expect(error.message).toContain(run_id);
      expect(error.result).toMatchObject({
        run_id,
        status: "failed",
        results: { quick: { data: { ci_id: "vm-01" } } },
        errors: { long: expect.stringMatching(/cancel/) },
        error_codes: { long: "RUN_ABORTED" },
        skipped: ["after"],
      });
      expect(Object.keys(error.result!.results)).toEqual(["quick"]);

      // The run row itself holds it: cancelled, with the result of what it had done.
      const { rows } = await db.pool.query<{ status: string; result: { status: string; errors: Record<string, string> } | null }>(`SELECT status, result FROM "${db.schema}".plangraph_runs WHERE run_id = $1`, [run_id]);
      expect(rows[0]!.status).toBe("cancelled");
      expect(rows[0]!.result).toMatchObject({ status: "failed", errors: { long: expect.any(String) } });

      // `runs show --json` prints that result, run_id added.
      const shown = await cli(["runs", "show", run_id, "--json"]);
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toEqual(error.result);
    }, 90_000);

    it("a run cancelled before it started rejects with RUN_ABORTED and no result", async () => {
      // No free slot: both of the worker's slots hold long runs.
      const blockers = await Promise.all([1, 2].map(() => submitRun({ plan: { steps: [{ id: "hold", tool: "sleep", params: { ms: 30_000 } }] } }, db.connection)));
      await Promise.all(blockers.map((b) => started(b.run_id)));
      const { run_id } = await submitRun({ plan: PLAN }, db.connection);
      await cancelRun(run_id, db.connection);
      const error = (await waitForRun(run_id, db.connection).catch((e: unknown) => e)) as CancelledRunError;
      expect(error).toMatchObject({ code: "RUN_ABORTED", run_id, message: expect.stringContaining("before it started") });
      expect(error.result).toBeUndefined();
      await Promise.all(blockers.map((b) => cancelRun(b.run_id, db.connection)));
      // Cancelled on purpose: their waits reject with RUN_ABORTED; only their end matters here.
      await Promise.all(blockers.map((b) => waitForRun(b.run_id, db.connection).catch(() => undefined)));
    }, 90_000);

    it("submit --wait on a run cancelled meanwhile exits 1 with a stderr line naming the run; --json prints the error, run_id and the result", async () => {
      const dir = mkdtempSync(join(tmpdir(), "plangraph-qapi-cancel-"));
      const file = join(dir, "plan.json");
      writeFileSync(file, JSON.stringify(PLAN));
      for (const json of [false, true]) {
        const waiting = cli(["submit", file, "--wait", ...(json ? ["--json"] : [])]);
        const runId = await until("the submitted run", async () => {
          const { rows } = await db.pool.query<{ run_id: string }>(`SELECT run_id FROM "${db.schema}".plangraph_runs WHERE status = 'running' AND plan LIKE '%vm-02%'`);
          return rows[0]?.run_id;
        }, 30_000);
        await longStarted(runId);
        await cancelRun(runId, db.connection);
        const done = await waiting;
        expect(done.code).toBe(1);
        expect(done.stderr).toMatch(new RegExp(`^error RUN_ABORTED: run '${runId}' was cancelled after 1 step had finished$`, "m"));
        expect(done.stderr).toContain(`plangraph runs show ${runId} --json`);
        if (json) {
          expect(JSON.parse(done.stdout)).toMatchObject({ error: { code: "RUN_ABORTED" }, run_id: runId, result: { status: "failed", results: { quick: {} }, errors: { long: expect.any(String) } } });
        }
      }
    }, 120_000);
  });
}
