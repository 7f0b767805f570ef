/**
 * `createPlanTool({ queue })`: the plan tool hands plans to the worker pool and waits for the
 * result, so the process the agent runs in (the LangGraph server) stays light. Real PostgreSQL and
 * a real `plangraph worker` process; the tool it runs logs the process that called it.
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped with a message otherwise.
 */
import type { ToolMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlanTool } from "../../src/agents/index.js";
import { getRun, listRuns } from "../../src/queue/index.js";
import { until, type WorkerProcess } from "../../bench/queue-workers.js";
import type { QueueTestDatabase } from "../../bench/queue-database.js";
import { openEffectPool, type EffectPool } from "../queue/support/effect-pool.js";
import { effectTool, readEffects } from "../queue/chaos-tools.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const plan = (run: string, ms = 50) => ({
  steps: [
    { id: "first", tool: "effect", params: { run, step: "first", ms, n: 2 } },
    { id: "second", tool: "effect", params: { run, step: "second", ms, n: 3 }, output_mapping: { inputs: ["{first.data.value}"] } },
  ],
});

if (!url) {
  describe("createPlanTool({ queue })", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let pool: EffectPool;
  let db: QueueTestDatabase;
  let worker: WorkerProcess;
  let table: string;
  beforeAll(async () => {
    pool = await openEffectPool(url, "plantool");
    ({ db, worker, table } = pool);
  }, 60_000);
  afterAll(() => pool?.close());

  const planTool = () => createPlanTool({ tools: [effectTool], chatModel: null, queue: { databaseUrl: url, schema: db.schema } });
  const call = (id: string, args: Record<string, unknown>, config: { signal?: AbortSignal } = {}) =>
    planTool().invoke({ type: "tool_call", id, name: "run_plan", args }, config) as Promise<ToolMessage>;

  describe("createPlanTool({ queue }): plans run on the worker pool", () => {
    it("runs the plan on a worker process, not in the agent's, and answers with its result", async () => {
      const message = await call("call-1", plan("pt1"));
      expect(JSON.parse(String(message.content))).toMatchObject({ status: "completed", results: { second: { data: { value: 5 } } } });
      expect(message.artifact).toMatchObject({ status: "completed", run_id: expect.any(String) });
      const calls = (await readEffects(db.pool, table)).filter((e) => e.run === "pt1");
      expect(calls.map((e) => `${e.step} ${e.phase}`)).toEqual(["first start", "first end", "second start", "second end"]);
      expect(new Set(calls.map((e) => e.pid))).toEqual(new Set([worker.child.pid]));
    }, 60_000);

    it("a replayed tool call (the same call id) gets the first run's result: no second run, no call made again", async () => {
      const first = await call("call-2", plan("pt2"));
      const again = await call("call-2", plan("pt2"));
      expect((again.artifact as { run_id: string }).run_id).toBe((first.artifact as { run_id: string }).run_id);
      expect((await readEffects(db.pool, table)).filter((e) => e.run === "pt2" && e.phase === "start")).toHaveLength(2);
    }, 60_000);

    it("the same call id in another thread (model call ids are not unique across conversations) is another run, not the first's result", async () => {
      const inThread = (thread: string) =>
        planTool().invoke({ type: "tool_call", id: "call_0", name: "run_plan", args: plan(`pt-${thread}`) }, { configurable: { thread_id: thread } }) as Promise<ToolMessage>;
      const a = await inThread("conversation-a");
      const b = await inThread("conversation-b");
      expect((b.artifact as { run_id: string }).run_id).not.toBe((a.artifact as { run_id: string }).run_id);
      expect(JSON.parse(String(b.content))).toMatchObject({ status: "completed" });
      expect((await readEffects(db.pool, table)).filter((e) => e.run === "pt-conversation-b" && e.phase === "start")).toHaveLength(2);
    }, 60_000);

    it("an invalid plan is answered with its problems and never queued", async () => {
      const before = (await listRuns({ limit: 1000 }, db.connection)).length;
      const message = await call("call-3", { steps: [{ id: "a", tool: "effect", params: { run: "pt3", step: "a", ms: 1, n: 1 }, output_mapping: { inputs: ["{nowhere.data.value}"] } }] });
      expect(String(message.content)).toMatch(/^The plan is invalid and did not run[\s\S]*nowhere/);
      expect((await listRuns({ limit: 1000 }, db.connection)).length).toBe(before);
    }, 60_000);

    it("an aborted tool call cancels its run on the worker", async () => {
      const controller = new AbortController();
      const pending = call("call-4", plan("pt4", 20_000), { signal: controller.signal });
      await until("the run's first call to start", async () => ((await readEffects(db.pool, table)).some((e) => e.run === "pt4") ? true : undefined));
      controller.abort();
      await expect(pending).rejects.toThrow();
      const [run] = (await listRuns({ limit: 1000 }, db.connection)).filter((r) => r.status !== "completed");
      expect(run).toBeDefined();
      await until("the worker to stop the run", async () => ((await getRun(run!.run_id, db.connection)).status === "cancelled" ? true : undefined), 10_000);
    }, 60_000);
  });
}
