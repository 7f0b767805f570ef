/**
 * The served ops_agent handing its plans to the worker pool (PLANGRAPH_AGENT_QUEUE=1, issue 16):
 * the real LangGraph dev server plans and answers with the real ChatOpenAI client (against the
 * OpenAI-compatible stub), a real `plangraph worker` process runs the plans from PostgreSQL, and
 * the official SDK drives it — a plain question, and one whose plan pauses for approval, resumed
 * through the server with `Command({ resume })`, which queues the run again for the worker.
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped with a message otherwise.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRuns } from "../../src/queue/index.js";
import { agentQueueFromEnv } from "../../src/agents/queue-from-env.js";
import { reply, requestText, startOpenAIStub, type OpenAIStub, type StubHandler } from "../support/openai-stub.js";
import { childEnv, spawnWorker, type WorkerProcess } from "../../bench/queue-workers.js";
import { queueTestDatabase, type QueueTestDatabase } from "../../bench/queue-database.js";
import { startDevServer, type DevServer } from "./dev-server.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;

// Built-in tools only: the worker and the server load the same catalogue without MCP servers.
const LOOKUP = { id: "lookup", tool: "echo", params: { host: "web-01", rack: "r-6", ip: "10.0.0.7" } };
const RACK_PLAN = { steps: [LOOKUP, { id: "note", tool: "echo", output_mapping: { rack: "{lookup.data.rack}" } }] };
const GATED_PLAN = { steps: [LOOKUP, { id: "drain", tool: "echo", output_mapping: { ip: "{lookup.data.ip}" }, requires_approval: true }] };
const model: StubHandler = (request) => {
  const question = request.messages.find((m) => m.role === "user")?.content;
  if (request.tools?.some((t) => t.function.name === "run_plan")) return reply.toolCall("run_plan", String(question).includes("Drain") ? GATED_PLAN : RACK_PLAN);
  if (requestText(request).includes("Answer the user's last question")) {
    const tool = [...request.messages].reverse().find((m) => m.role === "tool")!;
    // Anything but a result (a refused plan, an error) is what the answer says, so a failure shows it.
    if (!String(tool.content).startsWith("{")) return reply.text(String(tool.content));
    const data = JSON.parse(String(tool.content)) as { status: string; results: Record<string, { data?: Record<string, unknown> }> };
    if (data.results.drain) return reply.text(`Drained ${String(data.results.drain.data?.ip)} (${data.status}).`);
    return reply.text(`web-01 is in rack ${String(data.results.note?.data?.rack)}.`);
  }
  return reply.error(503, "this test scripts no other model calls");
};

describe("PLANGRAPH_AGENT_QUEUE, read from the server's environment", () => {
  it("is off unless set, the pool at DATABASE_URL when on, and a usage error naming the variable otherwise", () => {
    expect(agentQueueFromEnv({})).toBeUndefined();
    expect(agentQueueFromEnv({ PLANGRAPH_AGENT_QUEUE: "0", DATABASE_URL: "postgres://x" })).toBeUndefined();
    expect(agentQueueFromEnv({ PLANGRAPH_AGENT_QUEUE: "1", DATABASE_URL: "postgres://x", PLANGRAPH_QUEUE_SCHEMA: "q1" })).toEqual({ databaseUrl: "postgres://x", schema: "q1" });
    expect(() => agentQueueFromEnv({ PLANGRAPH_AGENT_QUEUE: "1" })).toThrow(/PLANGRAPH_AGENT_QUEUE is on but DATABASE_URL is not set/);
    expect(() => agentQueueFromEnv({ PLANGRAPH_AGENT_QUEUE: "sometimes", DATABASE_URL: "postgres://x" })).toThrow(/PLANGRAPH_AGENT_QUEUE must be on .* or off .*, got 'sometimes'/);
  });
});

if (!url) {
  describe("ops_agent on the worker pool (dev server)", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let db: QueueTestDatabase;
  let worker: WorkerProcess;
  let workerId: string;
  let stub: OpenAIStub;
  let server: DevServer;
  let client: Client;

  beforeAll(async () => {
    db = await queueTestDatabase(url, "agentsrv");
    worker = spawnWorker("agent-pool", ["--concurrency", "2"], childEnv(db.env));
    stub = await startOpenAIStub(model);
    [workerId, server] = await Promise.all([
      worker.ready,
      startDevServer({ env: { OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url, PLANGRAPH_MODEL: "stub-model", PLANGRAPH_AGENT_QUEUE: "1", ...db.env } }),
    ]);
    client = new Client({ apiUrl: server.url });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await stub?.close();
    worker?.child.kill("SIGKILL");
    await db?.drop();
  });

  type AgentValues = { messages?: Array<{ type: string; content: unknown }>; result?: { status: string }; __interrupt__?: Array<{ value: { step: string; run_id: string; pending: string[] } }> };

  describe("ops_agent on the worker pool (real dev server, real worker process, PostgreSQL)", () => {
    it("plans on the server, runs the plan on the worker and answers from the worker's result", async () => {
      const thread = await client.threads.create();
      const values = (await client.runs.wait(thread.thread_id, "ops_agent", { input: { messages: [{ role: "user", content: "Which rack is web-01 in?" }] } })) as AgentValues;
      expect(values.messages!.at(-1)!.content).toBe("web-01 is in rack r-6.");
      const runs = await listRuns({}, db.connection);
      expect(runs).toHaveLength(1);
      // The run was the worker's, for the server's caller (auth off: the local acme admin).
      expect(runs[0]).toMatchObject({ status: "completed", worker: workerId, tenant: "acme" });
    }, 60_000);

    it("a plan that pauses for approval pauses the agent; resuming the agent's thread through the server queues the run again and the worker finishes it", async () => {
      const thread = await client.threads.create();
      const paused = (await client.runs.wait(thread.thread_id, "ops_agent", { input: { messages: [{ role: "user", content: "Drain web-01" }] } })) as AgentValues;
      const pause = paused.__interrupt__?.[0]?.value;
      expect(pause).toMatchObject({ step: "drain", pending: ["drain"] });
      const [queued] = (await listRuns({ status: "interrupted" }, db.connection)).filter((run) => run.run_id === pause!.run_id);
      expect(queued, "the queued run waits, interrupted, holding no worker").toMatchObject({ status: "interrupted" });

      const resumed = (await client.runs.wait(thread.thread_id, "ops_agent", { command: { resume: "approve" } })) as AgentValues;
      expect(resumed.__interrupt__ ?? []).toEqual([]);
      expect(resumed.messages!.at(-1)!.content).toBe("Drained 10.0.0.7 (completed).");
      const after = (await listRuns({}, db.connection)).find((run) => run.run_id === pause!.run_id);
      expect(after).toMatchObject({ status: "completed", worker: workerId, tenant: "acme" });
      // One queued run for the question, not a second one for the resume.
      expect((await listRuns({}, db.connection)).filter((run) => run.status === "completed")).toHaveLength(2);
    }, 90_000);
  });
}
