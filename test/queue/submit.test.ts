/**
 * The run queue's library API on real PostgreSQL: submit, wait (with live events), get, list;
 * an invalid plan is never queued; idempotency keys; one active run per thread.
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped cleanly without it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelRun, getRun, listRuns, resumeRun, startWorker, submitRun, waitForRun, type WorkerHandle } from "../../src/queue/index.js";
import { callerFromConfig, localCaller } from "../../src/model/caller.js";
import { defineTool } from "../../src/tools/define.js";
import { runPlan } from "../../src/api/run-plan.js";
import { z } from "zod";
import type { RunEvent } from "../../src/engine/scheduler.js";
import { effectTool, readLog, count } from "./support/tools.js";
import { dropSchema, logPath, testSchema, url } from "./support/queue-db.js";

const schema = testSchema("submit");

const seen: unknown[] = [];
const whoami = defineTool({
  name: "whoami",
  description: "returns the caller's tenant",
  input: z.object({}),
  output: z.object({ tenant: z.string() }),
  run: async (_input, config) => {
    const caller = callerFromConfig(config);
    seen.push(caller);
    return { tenant: caller?.tenant ?? "none" };
  },
});
// The engine hands RunPlanOptions.caller to tools once the identity work is in; until then the
// queue's part (the worker passes the submitted caller to runPlan) cannot be observed here.
const engineDeliversCaller = await runPlan(
  { steps: [{ id: "probe", tool: "whoami", params: {} }] },
  { tools: [whoami], caller: localCaller("probe", { tenant: "probe", source: "library" }) },
).then((result) => (result.results.probe as { tenant?: string } | undefined)?.tenant === "probe");
const tools = [effectTool];

function chain(log: string, names: string[], ms = 20) {
  return { steps: names.map((name, i) => ({ id: name, tool: "effect", params: { name, log, ms }, ...(i ? { depends_on: [names[i - 1]] } : {}) })) };
}

describe.skipIf(!url)("the run queue (library API)", () => {
  let pool: pg.Pool;
  const connection = () => ({ pool, schema });
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url!, max: 6 });
  });
  afterAll(async () => {
    await pool.end();
    await dropSchema(schema);
  });

  describe("with a worker", () => {
    let worker: WorkerHandle;
    beforeAll(async () => {
      worker = await startWorker({ databaseUrl: url!, schema, leaseMs: 3000, planOptions: { tools } });
    });
    afterAll(async () => worker.stop());

    it("runs a submitted plan on a worker and returns the contract's result with run_id, streaming each step's events", async () => {
      const log = logPath();
      const submitted = await submitRun({ plan: chain(log, ["first", "second"]) }, { ...connection(), tools });
      expect(submitted).toMatchObject({ status: "queued", deduplicated: false });
      const events: RunEvent[] = [];
      const result = await waitForRun(submitted.run_id, { ...connection(), onEvent: (event) => events.push(event) });
      expect(result.run_id).toBe(submitted.run_id);
      expect(result.status).toBe("completed");
      expect(Object.keys(result.results).sort()).toEqual(["first", "second"]);
      expect(result.errors).toEqual({});
      expect(events.filter((e) => e.type === "step_end").map((e) => (e as { step: string }).step)).toEqual(["first", "second"]);
      expect(count(readLog(log), "done", "first")).toBe(1);
      const run = await getRun(submitted.run_id, connection());
      expect(run).toMatchObject({ status: "completed", worker: worker.id, takeovers: 0, tenant: "acme", error: null });
      expect(run.started_at && run.ended_at && run.ended_at >= run.started_at).toBe(true);
      expect((run.result as { run_id: string }).run_id).toBe(submitted.run_id);
    });

    it.skipIf(!engineDeliversCaller)("runs each run under the caller context it was submitted with", async () => {
      seen.length = 0;
      const own = testSchema("caller");
      const w = await startWorker({ databaseUrl: url!, schema: own, leaseMs: 3000, planOptions: { tools: [whoami] } });
      try {
        const caller = localCaller("trace-queue-1", { tenant: "beta", user: "ann", roles: ["viewer"], source: "library" });
        const submitted = await submitRun({ plan: { steps: [{ id: "who", tool: "whoami", params: {} }] }, caller }, { databaseUrl: url!, schema: own, tools: [whoami] });
        const result = await waitForRun(submitted.run_id, { databaseUrl: url!, schema: own });
        expect(result.status).toBe("completed");
        expect((await getRun(submitted.run_id, { databaseUrl: url!, schema: own })).tenant).toBe("beta");
        // The run's result says which context it ran under once the engine reports it; tools receive it now.
        expect(seen).toEqual([expect.objectContaining({ tenant: "beta", user: "ann", trace_id: "trace-queue-1" })]);
      } finally {
        await w.stop();
        await dropSchema(own);
      }
    });

    it("keeps a sensitive step's input and output out of the stored and streamed events, not out of the result", async () => {
      const log = logPath();
      const plan = { steps: [{ id: "secret", tool: "effect", params: { name: "hunter2-s3cr3t", log, ms: 0 }, sensitive: true }] };
      const events: RunEvent[] = [];
      const { run_id } = await submitRun({ plan }, { ...connection(), tools });
      const result = await waitForRun(run_id, { ...connection(), onEvent: (event) => events.push(event) });
      expect(result.results.secret).toMatchObject({ data: { name: "hunter2-s3cr3t" } });
      const end = events.find((e) => e.type === "step_end") as Extract<RunEvent, { type: "step_end" }>;
      expect(end.record).toMatchObject({ status: "done", output: "[redacted]", input: "[redacted]" });
      const { rows } = await pool.query(`SELECT event::text AS text FROM "${schema}".plangraph_run_events WHERE run_id = $1`, [run_id]);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.text).join("\n")).not.toContain("hunter2-s3cr3t");
    });

    it("returns the first run for a retried submit with the same idempotency key, also after that run ended", async () => {
      const log = logPath();
      const plan = chain(log, ["once"]);
      const first = await submitRun({ plan, idempotency_key: "order-42" }, { ...connection(), tools });
      const again = await Promise.all([1, 2, 3].map(() => submitRun({ plan, idempotency_key: "order-42" }, { ...connection(), tools })));
      expect(again.map((s) => s.run_id)).toEqual([first.run_id, first.run_id, first.run_id]);
      expect(again.every((s) => s.deduplicated)).toBe(true);
      await waitForRun(first.run_id, connection());
      const after = await submitRun({ plan, idempotency_key: "order-42" }, { ...connection(), tools });
      expect(after).toMatchObject({ run_id: first.run_id, status: "completed", deduplicated: true });
      expect(count(readLog(log), "start", "once")).toBe(1);
      // Keys are per tenant: another tenant's same key is another run.
      const other = await submitRun({ plan, idempotency_key: "order-42", caller: localCaller("t", { tenant: "other", source: "library" }) }, { ...connection(), tools });
      expect(other.run_id).not.toBe(first.run_id);
      await waitForRun(other.run_id, connection());
    });

    it("refuses a key reused with another plan, or by another user of the tenant, with IDEMPOTENCY_CONFLICT, and queues nothing", async () => {
      const log = logPath();
      const first = await submitRun({ plan: chain(log, ["kept"]), idempotency_key: "deploy-7" }, { ...connection(), tools });
      const runs = async () => Number((await pool.query(`SELECT count(*) AS n FROM "${schema}".plangraph_runs`)).rows[0].n);
      const before = await runs();
      const otherPlan = await submitRun({ plan: chain(log, ["other"]), idempotency_key: "deploy-7" }, { ...connection(), tools }).catch((e: unknown) => e);
      expect(otherPlan).toMatchObject({ code: "IDEMPOTENCY_CONFLICT", message: expect.stringContaining(`used for run ${first.run_id} with another plan`) });
      const bob = localCaller("t-bob", { user: "bob", source: "library" });
      const otherUser = await submitRun({ plan: chain(log, ["kept"]), idempotency_key: "deploy-7", caller: bob }, { ...connection(), tools }).catch((e: unknown) => e);
      expect(otherUser).toMatchObject({ code: "IDEMPOTENCY_CONFLICT", message: expect.stringContaining("already used by another user") });
      // Another user is not told which run holds the key.
      expect((otherUser as Error).message).not.toContain(first.run_id);
      expect(await runs()).toBe(before);
      await waitForRun(first.run_id, connection());
      expect(count(readLog(log), "start", "other")).toBe(0);
    });

    it("gives simultaneous first submits with one key one run", async () => {
      const plan = chain(logPath(), ["race"]);
      const submitted = await Promise.all(Array.from({ length: 6 }, () => submitRun({ plan, idempotency_key: "same-moment" }, { ...connection(), tools })));
      expect(new Set(submitted.map((s) => s.run_id)).size).toBe(1);
      expect(submitted.filter((s) => !s.deduplicated)).toHaveLength(1);
      await waitForRun(submitted[0]!.run_id, connection());
    });
  });

  it("refuses an invalid plan with a typed error naming the step, and queues nothing", async () => {
    const own = testSchema("invalid");
    try {
      const plan = { steps: [{ id: "a", tool: "effect", params: { name: "a", log: "/dev/null" }, output_mapping: { name: "{ghost.data.name}" } }] };
      const error = await submitRun({ plan, thread_id: "t-invalid" }, { pool, schema: own, tools }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "PlanValidationError", code: "UNKNOWN_STEP", step: "a" });
      const unknownTool = await submitRun({ plan: { steps: [{ id: "x", tool: "no_such_tool" }] } }, { pool, schema: own, tools }).catch((e: unknown) => e);
      expect(unknownTool).toMatchObject({ code: "UNKNOWN_TOOL", step: "x" });
      // Nothing reached the database: not even the queue's tables were made for it.
      const { rows } = await pool.query("SELECT to_regclass($1) AS found", [`"${own}".plangraph_runs`]);
      expect(rows[0].found).toBeNull();
    } finally {
      await dropSchema(own);
    }
  });

  it("fails a run whose worker lacks one of its tools with that typed error, and says so to its waiter", async () => {
    const own = testSchema("notool");
    const bare = await startWorker({ databaseUrl: url!, schema: own, leaseMs: 3000 });
    try {
      const { run_id } = await submitRun({ plan: chain("/dev/null", ["a"]) }, { pool, schema: own, tools });
      await expect(waitForRun(run_id, { pool, schema: own })).rejects.toMatchObject({ code: "UNKNOWN_TOOL" });
      const run = await getRun(run_id, { pool, schema: own });
      expect(run).toMatchObject({ status: "failed", result: null, error: { code: "UNKNOWN_TOOL" } });
    } finally {
      await bare.stop();
      await dropSchema(own);
    }
  });

  it("refuses a malformed submission with a typed error naming the field", async () => {
    const error = await submitRun({ plan: chain("/dev/null", ["a"]), thread_id: "" }, { pool, schema, tools }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "USAGE", path: "$.thread_id" });
  });

  it("refuses a second active run on a thread with THREAD_BUSY naming the run, and accepts one once it ended", async () => {
    // No worker in this schema: the first run stays queued, so the thread stays busy.
    const own = testSchema("thread");
    try {
      const plan = chain("/dev/null", ["a"]);
      const first = await submitRun({ plan, thread_id: "ticket-7" }, { pool, schema: own, tools });
      const second = await submitRun({ plan, thread_id: "ticket-7" }, { pool, schema: own, tools }).catch((e: unknown) => e);
      expect(second).toMatchObject({ code: "THREAD_BUSY" });
      expect((second as Error).message).toContain(first.run_id);
      // Threads are per tenant.
      const beta = await submitRun({ plan, thread_id: "ticket-7", caller: localCaller("t", { tenant: "beta", source: "library" }) }, { pool, schema: own, tools });
      expect(beta.run_id).not.toBe(first.run_id);
      expect((await cancelRun(first.run_id, { pool, schema: own })).status).toBe("cancelled");
      const third = await submitRun({ plan, thread_id: "ticket-7" }, { pool, schema: own, tools });
      expect(third.run_id).not.toBe(first.run_id);
      const listed = await listRuns({ thread_id: "ticket-7", tenant: "acme" }, { pool, schema: own });
      expect(listed.map((r) => [r.run_id, r.status])).toEqual([
        [third.run_id, "queued"],
        [first.run_id, "cancelled"],
      ]);
    } finally {
      await dropSchema(own);
    }
  });

  it("refuses a malformed filter or answer with a typed error naming the field", async () => {
    await expect(listRuns({ status: "sleeping" as never }, { pool, schema })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("status") });
    await expect(resumeRun("any", { approve: "gated" as never }, { pool, schema })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("approve") });
  });

  it("says RUN_NOT_FOUND for an unknown run id", async () => {
    await expect(getRun("no-such-run", { pool, schema })).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
    await expect(cancelRun("no-such-run", { pool, schema })).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });
});

describe.skipIf(!url)("run retention", () => {
  it("keeps ended runs, and so their idempotency keys, at least 24 hours, and prunes them after", async () => {
    const { pruneRuns, MIN_RUN_RETENTION_MS } = await import("../../src/queue/index.js");
    const own = testSchema("prune");
    const pool = new pg.Pool({ connectionString: url!, max: 2 });
    try {
      const connection = { pool, schema: own };
      await expect(pruneRuns(connection, { olderThanMs: 60_000 })).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/24 h/) });
      const plan = chain("/dev/null", ["a"]);
      const first = await submitRun({ plan, idempotency_key: "keep-me" }, { ...connection, tools });
      await cancelRun(first.run_id, connection);
      // Ended 23 h ago: kept, and its key still answers.
      await pool.query(`UPDATE "${own}".plangraph_runs SET ended_at = clock_timestamp() - interval '23 hours' WHERE run_id = $1`, [first.run_id]);
      expect(await pruneRuns(connection)).toBe(0);
      expect((await submitRun({ plan, idempotency_key: "keep-me" }, { ...connection, tools })).run_id).toBe(first.run_id);
      await pool.query(`UPDATE "${own}".plangraph_runs SET ended_at = clock_timestamp() - $2 * interval '1 millisecond' - interval '1 minute' WHERE run_id = $1`, [first.run_id, MIN_RUN_RETENTION_MS]);
      expect(await pruneRuns(connection)).toBe(1);
      await expect(getRun(first.run_id, connection)).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
    } finally {
      await pool.end();
      await dropSchema(own);
    }
  });
});
