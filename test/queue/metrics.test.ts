/**
 * The queue's OpenTelemetry metrics, per worker: queue depth, wait time, run time, takeovers,
 * ended runs. Needs PLANGRAPH_TEST_DATABASE_URL; skipped cleanly without it.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { QUEUE_METRIC, WORKER_ATTR, getRun, startWorker, submitRun, waitForRun } from "../../src/queue/index.js";
import { telemetrySetup } from "../telemetry/support.js";
import { effectTool, readLog, count } from "./support/tools.js";
import { dropSchema, logPath, testSchema, until, url } from "./support/queue-db.js";

const schema = testSchema("metrics");
const tools = [effectTool];

describe.skipIf(!url)("queue metrics", () => {
  const pool = url ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
  afterAll(async () => {
    await pool?.end();
    await dropSchema(schema);
  });

  it("counts a takeover of a run whose worker's lease lapsed, with the wait, run time, end and depth, tagged with the worker", async () => {
    const log = logPath();
    const connection = { pool: pool!, schema };
    const { run_id } = await submitRun({ plan: { steps: [{ id: "only", tool: "effect", params: { name: "only", log, ms: 10 } }] } }, { ...connection, tools });
    const queued = await submitRun({ plan: { steps: [{ id: "waits", tool: "effect", params: { name: "waits", log, ms: 0 } }] } }, { ...connection, tools });
    // A worker that took the run and vanished: running, its lease long expired, no job left for it.
    await pool!.query(`UPDATE "${schema}".plangraph_runs SET status = 'running', worker = 'ghost', owner_id = 'ghost', lease_expires_at = 0 WHERE run_id = $1`, [run_id]);
    await pool!.query(`DELETE FROM plangraph_jobs._private_jobs WHERE key = $1`, [run_id]);
    const { telemetry, metricPoints } = telemetrySetup();
    const worker = await startWorker({ pool: pool!, schema, leaseMs: 1000, concurrency: 1, planOptions: { tools }, meter: telemetry.meterProvider.getMeter("plangraph"), workerId: "w-metrics" });
    try {
      const depth = await until(async () => (await metricPoints(QUEUE_METRIC.depth))[0], 3000, "a depth observation");
      expect(depth.attributes[WORKER_ATTR]).toBe("w-metrics");
      expect((await waitForRun(run_id, connection)).status).toBe("completed");
      await waitForRun(queued.run_id, connection);
      const run = await getRun(run_id, connection);
      expect(run).toMatchObject({ worker: "w-metrics", takeovers: 1 });
      expect(count(readLog(log), "start", "only")).toBe(1);
      await until(() => worker.running().length === 0, 2000, "the worker to finish");
      const takeovers = await metricPoints(QUEUE_METRIC.takeovers);
      expect(takeovers.map((p) => [p.attributes[WORKER_ATTR], p.value])).toEqual([["w-metrics", 1]]);
      const ended = await metricPoints(QUEUE_METRIC.runsEnded);
      expect(ended.map((p) => [p.attributes["plangraph.run.status"], p.value])).toEqual([["completed", 2]]);
      const waits = (await metricPoints(QUEUE_METRIC.waitTime))[0]!.value as { count: number };
      expect(waits.count).toBe(2);
      const runTimes = (await metricPoints(QUEUE_METRIC.runTime))[0]!.value as { count: number; min?: number };
      expect(runTimes.count).toBe(2);
      expect(runTimes.min).toBeGreaterThanOrEqual(0);
    } finally {
      await worker.stop();
    }
  });
});
