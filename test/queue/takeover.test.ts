/**
 * A worker process killed with SIGKILL mid-run: a live worker takes the run over within the lease
 * (plus one sweep), continues it from its checkpoint and completion store, and no completed step
 * is called again (the side-effect log outlives the killed process).
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped cleanly without it.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { getRun, startWorker, submitRun, waitForRun } from "../../src/queue/index.js";
import { effectTool, readLog, count } from "./support/tools.js";
import { dropSchema, logPath, spawnWorker, testSchema, until, url } from "./support/queue-db.js";

const LEASE_MS = 2000;
const schema = testSchema("takeover");
const tools = [effectTool];

describe.skipIf(!url)("takeover after SIGKILL", () => {
  const pool = url ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
  afterAll(async () => {
    await pool?.end();
    await dropSchema(schema);
  });

  it("lets a live worker take a killed worker's run over within the lease and finish it without calling completed steps again", async () => {
    const log = logPath();
    const connection = { pool: pool!, schema };
    const killed = await spawnWorker(schema, { QUEUE_LEASE_MS: String(LEASE_MS) });
    const plan = {
      steps: [
        { id: "s1", tool: "effect", params: { name: "s1", log, ms: 50 } },
        { id: "s2", tool: "effect", params: { name: "s2", log, ms: 2500 }, depends_on: ["s1"] },
        { id: "s3", tool: "effect", params: { name: "s3", log, ms: 50 }, depends_on: ["s2"] },
        { id: "side", tool: "effect", params: { name: "side", log, ms: 0 } },
      ],
    };
    const { run_id } = await submitRun({ plan }, { ...connection, tools });
    await until(async () => (await getRun(run_id, connection)).worker === killed.id, 15_000, "the child worker to take the run");
    // The survivor is up before the kill, so it is its sweeper, not its start, that finds the run.
    const survivor = await startWorker({ databaseUrl: url!, schema, leaseMs: LEASE_MS, tools });
    try {
      await until(() => count(readLog(log), "start", "s2") === 1, 15_000, "s2 to start in the child");
      // Killed once s1 and side are durably complete (their INSERTs committed: the engine's
      // completion store writes land a few ms after a tool returns) while s2 is in flight.
      await until(async () => {
        const { rows } = await pool!.query(`SELECT count(*)::int AS n FROM "${schema}".plangraph_completions WHERE run_id = $1 AND kind = 'step' AND id IN ('s1', 'side')`, [run_id]);
        return rows[0].n === 2;
      }, 5000, "s1 and side to be in the completion store");
      expect(count(readLog(log), "done", "s2")).toBe(0);
      killed.child.kill("SIGKILL");
      await killed.exited;
      const killedAt = Date.now();
      await until(async () => (await getRun(run_id, connection)).worker === survivor.id, LEASE_MS + 5000, "the survivor to take the run over");
      const tookOverMs = Date.now() - killedAt;
      const result = await waitForRun(run_id, connection);
      expect(result.status).toBe("completed");
      expect(Object.keys(result.results).sort()).toEqual(["s1", "s2", "s3", "side"]);
      expect(result.errors).toEqual({});
      const run = await getRun(run_id, connection);
      expect(run.takeovers).toBe(1);
      // Within the lease plus one sweep (a quarter of it) and a margin for a loaded machine.
      expect(tookOverMs).toBeLessThan(LEASE_MS + LEASE_MS / 4 + 1500);
      const lines = readLog(log);
      expect(count(lines, "start", "s1")).toBe(1);
      expect(count(lines, "start", "side")).toBe(1);
      // s2 was in flight when its process died: it runs again (it never completed), then s3 once.
      expect(count(lines, "start", "s2")).toBe(2);
      expect(count(lines, "done", "s2")).toBe(1);
      expect(count(lines, "start", "s3")).toBe(1);
      const pids = new Set(lines.filter((l) => l.name === "s3").map((l) => l.pid));
      expect(pids).toEqual(new Set([process.pid]));
    } finally {
      await survivor.stop();
    }
  });

  it("drains on SIGTERM: the worker finishes the run it holds, takes no new one, and exits 0", async () => {
    const log = logPath();
    const own = testSchema("sigterm");
    try {
      const ownConnection = { pool: pool!, schema: own };
      const worker = await spawnWorker(own, { QUEUE_LEASE_MS: String(LEASE_MS), QUEUE_DRAIN_MS: "10000", QUEUE_CONCURRENCY: "1" });
      const held = await submitRun({ plan: { steps: [{ id: "slow", tool: "effect", params: { name: "slow", log, ms: 1200 } }] } }, { ...ownConnection, tools });
      await until(() => count(readLog(log), "start", "slow") === 1, 15_000, "the run to start");
      const next = await submitRun({ plan: { steps: [{ id: "next", tool: "effect", params: { name: "next", log, ms: 0 } }] } }, { ...ownConnection, tools });
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
      expect(await getRun(held.run_id, ownConnection)).toMatchObject({ status: "completed", worker: worker.id });
      expect((await getRun(next.run_id, ownConnection)).status).toBe("queued");
      expect(count(readLog(log), "done", "slow")).toBe(1);
      expect(count(readLog(log), "start", "next")).toBe(0);
    } finally {
      await dropSchema(own);
    }
  });
});
