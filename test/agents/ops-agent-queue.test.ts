/**
 * `createOpsAgent({ queue })` (issue 16): the chat agent plans and answers in its own process, the
 * plan runs on the worker pool. Real PostgreSQL, a real `plangraph worker` process whose `effect`
 * tool logs the process that called it, and the real ChatOpenAI client against the OpenAI stub.
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped with a message otherwise.
 */
import { HumanMessage, isAIMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Command, MemorySaver } from "@langchain/langgraph";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpsAgent, OPS_PLAN_TOOL } from "../../src/agents/index.js";
import { CALLER_CONFIG_KEY, type CallerContext } from "../../src/model/caller.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { DEFAULT_POLICY, parsePolicy } from "../../src/policy/index.js";
import { getRun, listRuns } from "../../src/queue/index.js";
import { until, type WorkerProcess } from "../../bench/queue-workers.js";
import type { QueueTestDatabase } from "../../bench/queue-database.js";
import { openEffectPool, type EffectPool } from "../queue/support/effect-pool.js";
import { effectTool, readEffects } from "../queue/chaos-tools.js";
import { reply, requestText, type OpenAIStub } from "../support/openai-stub.js";
import { stubModel } from "./support.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const registry = createToolRegistry([effectTool]);
const vic: CallerContext = { tenant: "globex", user: "vic", roles: ["admin"], trace_id: "trace-vic", source: "auth" };
const asVic = (thread?: string, extra: Record<string, unknown> = {}) => ({ configurable: { [CALLER_CONFIG_KEY]: vic, ...(thread ? { thread_id: thread } : {}) }, ...extra });
const twoSteps = (run: string, ms = 20) => ({
  steps: [
    { id: "first", tool: "effect", params: { run, step: "first", ms, n: 2 } },
    { id: "second", tool: "effect", params: { run, step: "second", ms, n: 3 }, output_mapping: { inputs: ["{first.data.value}"] } },
  ],
});
const gatedPlan = (run: string) => ({
  steps: [
    { id: "first", tool: "effect", params: { run, step: "first", ms: 0, n: 2 } },
    { id: "gated", tool: "effect", params: { run, step: "gated", ms: 0, n: 1 }, output_mapping: { inputs: ["{first.data.value}"] }, requires_approval: true },
  ],
});
const roles = (messages: BaseMessage[]) => messages.map((m) => (isToolMessage(m) ? `tool:${m.status ?? "success"}` : isAIMessage(m) ? (m.tool_calls?.length ? "ai:plan" : "ai") : m.getType()));

/** A checkpointer that loses the execute node's writes once, as a process killed right after the node ran would. */
class LosesExecuteWrites extends MemorySaver {
  down = true;
  override async putWrites(...args: Parameters<MemorySaver["putWrites"]>): Promise<void> {
    if (this.down && args[1].some(([channel, value]) => channel === "result" && value)) throw new Error("the agent's process died before the execute node's writes were saved");
    return super.putWrites(...args);
  }
  override async put(...args: Parameters<MemorySaver["put"]>) {
    if (this.down && (args[1].channel_values as { result?: unknown }).result) throw new Error("the agent's process died before its checkpoint was saved");
    return super.put(...args);
  }
}

if (!url) {
  describe("createOpsAgent({ queue })", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let pool: EffectPool;
  let db: QueueTestDatabase;
  let worker: WorkerProcess;
  let table: string;
  let stub: OpenAIStub;
  let model: BaseChatModel;
  const effectsOf = async (run: string) => (await readEffects(db.pool, table)).filter((e) => e.run === run);
  const runsOf = async (tag: string) => {
    const { rows } = await db.pool.query<{ run_id: string; tenant: string; caller: CallerContext; worker: string | null; status: string }>(
      `SELECT run_id, tenant, caller, worker, status FROM "${db.schema}".plangraph_runs WHERE plan LIKE $1`,
      [`%"run":"${tag}"%`],
    );
    return rows;
  };

  beforeAll(async () => {
    pool = await openEffectPool(url, "opsagent");
    ({ db, worker, table } = pool);
  }, 60_000);
  afterAll(() => pool?.close());
  beforeEach(async () => {
    ({ stub, model } = await stubModel());
  });
  afterEach(async () => {
    await stub.close();
  });

  const queue = () => ({ databaseUrl: url, schema: db.schema });

  describe("createOpsAgent({ queue }): the agent's plans run on the worker pool", () => {
    it("runs the plan on the worker process under the agent run's caller, and answers from the worker's result", async () => {
      const agent = createOpsAgent({ registry, model, queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, twoSteps("oa1")), reply.text("second is 5."));

      const state = await agent.invoke({ messages: [new HumanMessage("what is second?")] }, asVic());

      expect(roles(state.messages)).toEqual(["human", "ai:plan", "tool:success", "ai"]);
      expect(state.messages.at(-1)!.content).toBe("second is 5.");
      expect(state.result).toMatchObject({ status: "completed", results: { second: { data: { value: 5 } } }, context: { tenant: "globex", user: "vic" } });
      // The model answered from the worker's result.
      expect(requestText(stub.requests[1]!)).toContain('"value":5');
      const calls = await effectsOf("oa1");
      expect(calls.map((e) => `${e.step} ${e.phase}`)).toEqual(["first start", "first end", "second start", "second end"]);
      expect(new Set(calls.map((e) => e.pid))).toEqual(new Set([worker.child.pid]));
      const [run] = await runsOf("oa1");
      expect(run).toMatchObject({ tenant: "globex", caller: { tenant: "globex", user: "vic", roles: ["admin"] }, worker: await worker.ready, status: "completed" });
    }, 60_000);

    it("streams the worker's step events to the agent's custom stream while the run goes on", async () => {
      const agent = createOpsAgent({ registry, model, queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, twoSteps("oa9")), reply.text("done"));
      const seen: string[] = [];
      const stream = await agent.stream({ messages: [new HumanMessage("go")] }, { ...asVic(), streamMode: ["custom", "updates"] });
      for await (const [mode, chunk] of stream as AsyncIterable<[string, Record<string, unknown>]>) {
        if (mode === "custom") seen.push(`${String(chunk.plangraph)} ${String(chunk.step)}`);
        else seen.push(...Object.keys(chunk).map((node) => `update ${node}`));
      }
      expect(seen.filter((s) => s.startsWith("step_end"))).toEqual(["step_end first", "step_end second"]);
      // The events arrived before the execute node's own update, while it waited.
      expect(seen.indexOf("step_end second")).toBeLessThan(seen.indexOf("update execute"));
    }, 60_000);

    it("an execute node replayed from its checkpoint (its writes lost, as in a crash) gets the first run back: one run, no call made again", async () => {
      const saver = new LosesExecuteWrites();
      const agent = createOpsAgent({ registry, model, checkpointer: saver, queue: queue() });
      // LangGraph may go on to the respond node before the lost write fails the invoke: an answer for each.
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, twoSteps("oa2")), reply.text("second is 5."), reply.text("second is 5."));
      const thread = asVic("oa2-thread");

      await expect(agent.invoke({ messages: [new HumanMessage("what is second?")] }, thread)).rejects.toThrow(/died/);
      expect((await agent.getState(thread)).next).toEqual(["execute"]);
      saver.down = false;
      const state = await agent.invoke(null, thread);

      expect(state.result).toMatchObject({ status: "completed", results: { second: { data: { value: 5 } } } });
      expect(await runsOf("oa2")).toHaveLength(1);
      expect((await effectsOf("oa2")).filter((e) => e.phase === "start")).toHaveLength(2);
    }, 60_000);

    it("a run that pauses for approval pauses the agent; Command({ resume }) answers it and the approved step runs once on the worker", async () => {
      const agent = createOpsAgent({ registry, model, checkpointer: new MemorySaver(), queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, gatedPlan("oa3")), reply.text("gated gave 12."));
      const thread = asVic("oa3-thread");

      const paused = await agent.invoke({ messages: [new HumanMessage("run the gated step")] }, thread);
      const interrupts = (paused as { __interrupt__?: Array<{ value: Record<string, unknown> }> }).__interrupt__!;
      expect(interrupts).toHaveLength(1);
      const [run] = await runsOf("oa3");
      expect(interrupts[0]!.value).toMatchObject({ step: "gated", tool: "effect", params: { n: 1, inputs: [2] }, pending: ["gated"], run_id: run!.run_id });
      expect((await getRun(run!.run_id, db.connection)).status).toBe("interrupted");
      expect((await effectsOf("oa3")).map((e) => `${e.step} ${e.phase}`)).toEqual(["first start", "first end"]);

      // Edit and approve, keyed by step as for a local run.
      const done = await agent.invoke(new Command({ resume: { gated: { params: { run: "oa3", step: "gated", ms: 0, n: 10, inputs: [2] } } } }), thread);
      expect(done.result).toMatchObject({ status: "completed", results: { gated: { data: { value: 12 } } }, pending: [] });
      expect(done.messages.at(-1)!.content).toBe("gated gave 12.");
      expect(roles(done.messages)).toEqual(["human", "ai:plan", "tool:success", "ai"]);
      expect((await effectsOf("oa3")).filter((e) => e.step === "gated" && e.phase === "start")).toHaveLength(1);
      expect(await runsOf("oa3")).toHaveLength(1);
    }, 60_000);

    it("a resume by an approver the policy refuses queues nothing and pauses the agent again with the refusal; another approver's answer is then the one given", async () => {
      const policy = parsePolicy({ ...DEFAULT_POLICY, roles: { ...DEFAULT_POLICY.roles, lead: { allow: ["*"] } }, approvers: { roles: ["lead"] } });
      const agent = createOpsAgent({ registry, model, checkpointer: new MemorySaver(), policy, queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, gatedPlan("oa8")), reply.text("approved."));
      await agent.invoke({ messages: [new HumanMessage("run the gated step")] }, asVic("oa8-thread"));
      const [run] = await runsOf("oa8");

      // vic is an admin, not a lead: refused before anything is queued; the agent asks again, saying why.
      const asked = await agent.invoke(new Command({ resume: { gated: "reject" } }), asVic("oa8-thread"));
      const [again] = (asked as { __interrupt__?: Array<{ value: Record<string, unknown> }> }).__interrupt__!;
      expect(again!.value).toMatchObject({ step: "gated", run_id: run!.run_id, refused: { code: "APPROVER_NOT_ALLOWED", message: expect.stringContaining("step 'gated': user 'vic' (roles 'admin') may not approve") } });
      expect((await getRun(run!.run_id, db.connection)).status).toBe("interrupted");
      expect((await effectsOf("oa8")).filter((e) => e.step === "gated")).toEqual([]);

      // A lead, and an admin for the worker's own (built-in) policy, which checks the answer again.
      const lead = { configurable: { [CALLER_CONFIG_KEY]: { ...vic, user: "lee", roles: ["lead", "admin"] }, thread_id: "oa8-thread" } };
      const done = await agent.invoke(new Command({ resume: true }), lead);
      expect(done.result).toMatchObject({ status: "completed", results: { gated: { data: { value: 3 } } }, errors: {} });
      expect(done.queued_refusal).toBeNull();
      expect((await effectsOf("oa8")).filter((e) => e.step === "gated" && e.phase === "start")).toHaveLength(1);
    }, 60_000);

    it("a rejection given on resume is reported as rejected, and the step never runs", async () => {
      const agent = createOpsAgent({ registry, model, checkpointer: new MemorySaver(), queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, gatedPlan("oa4")), reply.text("rejected."));
      const thread = asVic("oa4-thread");
      await agent.invoke({ messages: [new HumanMessage("run the gated step")] }, thread);
      const done = await agent.invoke(new Command({ resume: false }), thread);
      expect(done.result?.errors.gated).toMatch(/reject/i);
      expect((await effectsOf("oa4")).filter((e) => e.step === "gated")).toEqual([]);
      // Answered on the queue: the one run went on to its end there.
      expect((await runsOf("oa4")).map((r) => r.status)).toEqual(["completed"]);
    }, 60_000);

    it("without a checkpointer the paused run is the reply: the model reads its pending steps and run_id", async () => {
      const agent = createOpsAgent({ registry, model, queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, gatedPlan("oa5")), reply.text("waiting for approval."));
      const state = await agent.invoke({ messages: [new HumanMessage("run the gated step")] }, asVic());
      const [run] = await runsOf("oa5");
      expect(roles(state.messages)).toEqual(["human", "ai:plan", "tool:success", "ai"]);
      expect(state.result).toMatchObject({ status: "interrupted", pending: [{ step: "gated" }] });
      const answered = requestText(stub.requests[1]!);
      expect(answered).toContain(run!.run_id);
      expect(answered).toContain("plangraph runs resume");
      expect(run!.status).toBe("interrupted");
    }, 60_000);

    it("runs the model's plans under maxStepMs on the worker: a step asking for an hour is cut off at the cap", async () => {
      const agent = createOpsAgent({ registry, model, maxStepMs: 300, queue: queue() });
      const plan = { steps: [{ id: "nap", tool: "effect", params: { run: "oa7", step: "nap", ms: 60_000, n: 1 }, timeout_ms: 3_600_000 }] };
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, plan), reply.text("The nap was cut short."));
      const started = Date.now();
      const state = await agent.invoke({ messages: [new HumanMessage("sleep for an hour")] }, asVic());
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(state.result).toMatchObject({ status: "failed", errors: { nap: expect.stringMatching(/timed out after 300 ms/) } });
      expect(await runsOf("oa7")).toHaveLength(1);
    }, 60_000);

    it("an aborted agent run cancels its queued run on the worker", async () => {
      const agent = createOpsAgent({ registry, model, queue: queue() });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, twoSteps("oa6", 20_000)));
      const controller = new AbortController();
      const pending = agent.invoke({ messages: [new HumanMessage("slow")] }, asVic(undefined, { signal: controller.signal }));
      await until("the run's first call to start", async () => ((await effectsOf("oa6")).length ? true : undefined));
      controller.abort();
      await expect(pending).rejects.toThrow();
      const [run] = await runsOf("oa6");
      await until("the worker to stop the run", async () => ((await getRun(run!.run_id, db.connection)).status === "cancelled" ? true : undefined), 10_000);
    }, 60_000);

    it("without queue the agent's graph is the local one: no approval node, and nothing is queued", async () => {
      const local = createOpsAgent({ registry, model });
      const queued = createOpsAgent({ registry, model, queue: queue() });
      expect(Object.keys(local.nodes)).not.toContain("approval");
      expect(Object.keys(queued.nodes)).toContain("approval");
      const before = (await listRuns({ limit: 1000 }, db.connection)).length;
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, { steps: [{ id: "hello", tool: "echo", params: { x: 1 } }] }), reply.text("done"));
      const state = await local.invoke({ messages: [new HumanMessage("echo")] }, asVic());
      expect(state.result).toMatchObject({ status: "completed", results: { hello: { data: { x: 1 } } } });
      expect((await listRuns({ limit: 1000 }, db.connection)).length).toBe(before);
    }, 60_000);
  });
}
