/**
 * The run queue's own overhead on graphile-worker, measured end to end through plangraph's API:
 * one worker in this process, runs of a single zero-latency `echo` step submitted one at a time.
 *
 * - submit → start: from the `submitRun` call to the run's first step starting on the worker
 *   (the `step_start` event time), p50 / p95;
 * - submit → result: to `waitForRun` returning (queue, run, settle and notification), p50 / p95;
 * - queue wait: the run row's `started_at - submitted_at` (database clock): the job reaching a
 *   worker and the worker's claim, the part of the overhead that is the queue's alone.
 *
 *   PLANGRAPH_TEST_DATABASE_URL=postgres://… npx tsx bench/queue-choice-overhead.ts [runs]
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startWorker, submitRun, waitForRun } from "../src/queue/index.js";

const url: string = process.env.PLANGRAPH_TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "";
if (!url) throw new Error("set PLANGRAPH_TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL database");
const runs = Number(process.argv[2] ?? 100);
const schema = `bench_queue_overhead_${process.pid}`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
};

const pool = new pg.Pool({ connectionString: url, max: 4 });
pool.on("error", () => undefined);
const worker = await startWorker({ databaseUrl: url, schema, concurrency: 1 });
const toStart: number[] = [];
const toResult: number[] = [];
const queueWait: number[] = [];
try {
  const plan = { steps: [{ id: "only", tool: "echo", params: { value: 1 } }] };
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now();
    let started: number | undefined;
    const { run_id } = await submitRun({ plan }, { pool, schema });
    const result = await waitForRun(run_id, { pool, schema, onEvent: (event) => void (event.type === "step_start" && (started ??= performance.now())) });
    if (result.status !== "completed") throw new Error(`run ${run_id} ${result.status}`);
    // The first few warm the worker up (compile caches, connections): not measured.
    if (i < 5) continue;
    toResult.push(performance.now() - t0);
    // Events reach the waiter after their NOTIFY: the event time here is an upper bound of the start.
    if (started !== undefined) toStart.push(started - t0);
    const { rows } = await pool.query<{ ms: number }>(`SELECT extract(epoch from started_at - submitted_at) * 1000 AS ms FROM "${schema}".plangraph_runs WHERE run_id = $1`, [run_id]);
    queueWait.push(Number(rows[0]!.ms));
  }
} finally {
  await worker.stop();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
const figures = {
  runs,
  submit_to_start_p50_ms: percentile(toStart, 50),
  submit_to_start_p95_ms: percentile(toStart, 95),
  submit_to_result_p50_ms: percentile(toResult, 50),
  submit_to_result_p95_ms: percentile(toResult, 95),
  queue_wait_p50_ms: percentile(queueWait, 50),
  queue_wait_p95_ms: percentile(queueWait, 95),
};
console.log(JSON.stringify(figures));

/*
 * Measured 2026-12-01 (one run of 100, load average ~10 on 2 shared cores):
 *   {"submit_to_start_p50_ms":34.28,"submit_to_start_p95_ms":125.78,"submit_to_result_p50_ms":55.8,
 *    "submit_to_result_p95_ms":174.27,"queue_wait_p50_ms":6.17,"queue_wait_p95_ms":29.49}
 * Again at 14:05 after merging main (load average ~7):
 *   {"submit_to_start_p50_ms":15.69,"submit_to_start_p95_ms":51.98,"submit_to_result_p50_ms":24.44,
 *    "submit_to_result_p95_ms":68.99,"queue_wait_p50_ms":2.85,"queue_wait_p95_ms":15.63}
 * queue_wait is the queue's own part (job to a worker, claim); the rest of submit → start is the
 * run's own start (leases, compile, the plan's record, warm-up) and the event's way back.
 */
