/**
 * plangraph on the real LangGraph dev server (@langchain/langgraph-cli `langgraphjs dev`, started
 * once for this file on a free port), driven with the official client @langchain/langgraph-sdk:
 * assistants made for plans are drawn with the plan's shape, runs return the contract's result,
 * stream step events while they go, pause for approvals and resume, run concurrently without
 * cross-talk, and can be cancelled. ops_agent runs end to end against the OpenAI-compatible stub
 * (the server's OPENAI_BASE_URL), with MCP tools from PLANGRAPH_MCP_CONFIG in its catalogue.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reply, requestText, startOpenAIStub, type OpenAIStub, type StubHandler } from "../support/openai-stub.js";
import { REPO, startDevServer, type DevServer } from "./dev-server.js";

let server: DevServer;
let stub: OpenAIStub;
let client: Client;
const scratch = mkdtempSync(join(tmpdir(), "plangraph-server-test-"));

type Values = Record<string, unknown> & { result?: Result; error?: { code: string; problems: Array<Record<string, string>> }; __interrupt__?: Array<{ id: string; value: { step: string; tool: string; params: unknown } }> };
type Result = { status: string; results: Record<string, { data?: Record<string, unknown> }>; errors: Record<string, string>; skipped: string[]; decisions: Record<string, { branch: string }>; order: string[][] };

/** ops_agent's model, scripted by what it is asked: an invalid plan first, the repaired plan next, then an answer from the results. */
const OPS_BAD_PLAN = { steps: [{ id: "lookup", tool: "host_lookup", params: { name: "web-01" } }, { id: "note", tool: "echo", output_mapping: { rack: "{lokup.rack}" } }] };
const OPS_GOOD_PLAN = { steps: [{ id: "lookup", tool: "host_lookup", params: { name: "web-01" } }, { id: "note", tool: "echo", output_mapping: { rack: "{lookup.rack}" } }] };
const opsModel: StubHandler = (request) => {
  if (request.tools?.some((t) => t.function.name === "run_plan")) {
    const repaired = request.messages.some((m) => m.role === "tool" && String(m.content).startsWith("The plan is invalid"));
    return reply.toolCall("run_plan", repaired ? OPS_GOOD_PLAN : OPS_BAD_PLAN);
  }
  if (requestText(request).includes("Answer the user's last question")) {
    const tool = [...request.messages].reverse().find((m) => m.role === "tool")!;
    const data = JSON.parse(String(tool.content)) as { results: { lookup: { rack: string; ip: string } } };
    return reply.text(`web-01 (${data.results.lookup.ip}) is in rack ${data.results.lookup.rack}.`);
  }
  return reply.error(503, "this test scripts no other model calls");
};

beforeAll(async () => {
  stub = await startOpenAIStub(opsModel);
  writeFileSync(
    join(scratch, "mcp.json"),
    JSON.stringify({ mcpServers: { inventory: { command: process.execPath, args: [resolve(REPO, "test/mcp/fixtures/inventory-server.mjs")] } } }),
  );
  server = await startDevServer({
    env: { OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url, PLANGRAPH_MODEL: "stub-model", PLANGRAPH_MCP_CONFIG: join(scratch, "mcp.json") },
  });
  client = new Client({ apiUrl: server.url });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await stub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const example = (name: string) => JSON.parse(readFileSync(join(REPO, "examples", `${name}.json`), "utf8")) as Record<string, unknown>;
const sortEdges = (edges: Array<{ source: string; target: string; conditional?: boolean; data?: unknown }>) =>
  edges.map((e) => `${e.source} -> ${e.target}${e.conditional ? ` [${String(e.data)}]` : ""}`).sort();

const DECISION_PLAN = {
  goal: "branch on hits",
  steps: [
    { id: "primary", tool: "echo", params: { total: 2 } },
    { id: "topology", tool: "echo", output_mapping: { n: "{primary.data.total}" } },
    { id: "fallback", tool: "echo", params: { q: "*" } },
    { id: "report", tool: "echo", output_mapping: { n: "{topology.data.n}" } },
  ],
  decisions: [{ id: "has_hits", after: ["primary"], condition: "{primary.data.total} > 0", then: ["topology"], else: ["fallback"] }],
};

describe("langgraph.json graphs on the dev server", () => {
  it("serves orchestrator, ops_agent and one graph per example plan, without any setup", async () => {
    const assistants = await client.assistants.search({ limit: 100 });
    const graphs = new Set(assistants.map((a) => a.graph_id));
    const examples = ["decision_branches", "eager_dataflow", "sectioned_retries", "search_until_enough"];
    for (const id of ["orchestrator", "ops_agent", ...examples]) expect(graphs, id).toContain(id);
    const decisionBranches = assistants.find((a) => a.graph_id === "decision_branches")!;
    const drawn = await client.assistants.getGraph(decisionBranches.assistant_id);
    expect(drawn.nodes.map((n) => n.id).sort()).toEqual(["__end__", "__start__", "broad_search", "drill", "has_hits", "metrics", "primary", "summary", "topology"]);
  });

  it("getGraph draws an assistant's plan: steps as nodes, dependencies as edges, decisions as conditional edges", async () => {
    const assistant = await client.assistants.create({ graphId: "orchestrator", config: { configurable: { plan: DECISION_PLAN } }, name: "decision plan" });
    const drawn = await client.assistants.getGraph(assistant.assistant_id);
    expect(drawn.nodes.map((n) => n.id).sort()).toEqual(["__end__", "__start__", "fallback", "has_hits", "primary", "report", "topology"]);
    expect(sortEdges(drawn.edges as never)).toEqual([
      "__start__ -> primary",
      "fallback -> __end__",
      "has_hits -> fallback [else]",
      "has_hits -> topology [then]",
      "primary -> has_hits",
      "report -> __end__",
      "topology -> report",
    ]);
    // An assistant for an example plan by id draws that plan.
    const byId = await client.assistants.create({ graphId: "orchestrator", config: { configurable: { plan_id: "eager-dataflow" } } });
    const eager = await client.assistants.getGraph(byId.assistant_id);
    expect(sortEdges(eager.edges as never)).toEqual(["A -> C", "B -> D", "C -> D", "D -> __end__", "__start__ -> A", "__start__ -> B"].sort());
  });

  it("getSchemas returns the plan's input, state and output schemas", async () => {
    // The schemas endpoint builds the graph without the assistant's config, so ask an example graph,
    // whose plan is fixed (an orchestrator assistant reports its default plan's channels).
    const eager = (await client.assistants.search({ graphId: "eager_dataflow" }))[0]!;
    const schemas = await client.assistants.getSchemas(eager.assistant_id);
    expect(schemas.graph_id).toBe("eager_dataflow");
    expect(schemas.input_schema).toMatchObject({ type: "object", properties: { run_id: { type: "string" } } });
    const state = schemas.state_schema as { properties: Record<string, { description?: string; properties?: object }> };
    expect(Object.keys(state.properties).sort()).toEqual(["result", "run_id", "started_at", "step:A", "step:B", "step:C", "step:D"]);
    expect(state.properties["step:C"]!.description).toBe("Record of step 'C' (tool 'sleep')");
    expect(state.properties["step:C"]!.properties).toHaveProperty("status");
    expect(schemas.output_schema).toMatchObject({ properties: { result: { title: "RunResult" } } });
  });

  it("rejects an assistant whose plan is invalid, naming the problem", async () => {
    const bad = await client.assistants.create({ graphId: "orchestrator", config: { configurable: { plan: { steps: [{ id: "a", tool: "nope" }] } } } });
    await expect(client.assistants.getGraph(bad.assistant_id)).rejects.toThrow(/unknown tool 'nope'/);
    // A run of it returns the same problem as data, and runs nothing.
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, bad.assistant_id, { input: {} })) as Values;
    expect(values.error).toMatchObject({ code: "UNKNOWN_TOOL", problems: [{ code: "UNKNOWN_TOOL", step: "a", path: "$.steps[0].tool", message: expect.stringMatching(/unknown tool 'nope'/) }] });
    expect(values.result).toBeUndefined();
  });
});

describe("runs of plans through the SDK", () => {
  it("runs.wait returns the contract's result", async () => {
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: DECISION_PLAN } } })) as Values;
    expect(values.result).toMatchObject({
      status: "completed",
      results: { primary: { data: { total: 2 } }, topology: { data: { n: 2 } }, report: { data: { n: 2 } } },
      skipped: ["fallback"],
      decisions: { has_hits: { branch: "then" } },
      order: [["primary"], ["topology", "fallback"], ["report"]],
    });
    // The run is checkpointed on the thread: its state has every step's channel.
    const state = await client.threads.getState(thread.thread_id);
    expect(Object.keys(state.values as object)).toEqual(expect.arrayContaining(["step:primary", "decision:has_hits", "result"]));
  });

  it("runs.stream sends each step's start and end (custom) and node updates while the run goes", async () => {
    const thread = await client.threads.create();
    const started = Date.now();
    const events: Array<{ at: number; event: string; data: Record<string, unknown> }> = [];
    for await (const chunk of client.runs.stream(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan_id: "eager-dataflow" } }, streamMode: ["updates", "custom"] })) {
      events.push({ at: Date.now() - started, event: chunk.event, data: chunk.data as Record<string, unknown> });
    }
    const custom = events.filter((e) => e.event === "custom");
    const endOf = (step: string) => custom.find((e) => e.data.plangraph === "step_end" && e.data.step === step)!;
    expect(custom.filter((e) => e.data.plangraph === "step_start").map((e) => e.data.step).sort()).toEqual(["A", "B", "C", "D"]);
    expect(endOf("A").data).toMatchObject({ status: "done", attempts: 1 });
    expect(typeof endOf("A").data.end_ms).toBe("number");
    // A (100 ms) is reported long before the run (≈1 s) ends: events arrive as steps finish.
    const last = events.at(-1)!.at;
    expect(last - endOf("A").at).toBeGreaterThan(500);
    const updateOfA = events.find((e) => e.event === "updates" && "A" in e.data)!;
    expect(last - updateOfA.at).toBeGreaterThan(500);
    // Eager: C started when A ended, not when the slower B ended.
    const cStart = custom.find((e) => e.data.plangraph === "step_start" && e.data.step === "C")!.data.at_ms as number;
    expect(cStart).toBeLessThan(600);
  });

  it("pauses for approval and resumes through Command: edited params by interrupt id, or approve/reject by step id", async () => {
    const plan = {
      steps: [
        { id: "find", tool: "echo", params: { ci_id: "vm-01" } },
        { id: "restart", tool: "echo", output_mapping: { ci_id: "{find.data.ci_id}" }, requires_approval: true },
        { id: "notify", tool: "echo", output_mapping: { restarted: "{restart.data.ci_id}" } },
      ],
    };
    const config = { configurable: { plan } };
    const thread = await client.threads.create();
    const paused = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config })) as Values;
    expect(paused.__interrupt__).toHaveLength(1);
    expect(paused.__interrupt__![0]!.value).toMatchObject({ step: "restart", tool: "echo", params: { ci_id: "vm-01" } });
    const waiting = await client.threads.getState(thread.thread_id);
    expect((waiting.values as Values).result).toMatchObject({ status: "interrupted", results: { find: { data: { ci_id: "vm-01" } } } });

    const id = paused.__interrupt__![0]!.id;
    const done = (await client.runs.wait(thread.thread_id, "orchestrator", { command: { resume: { [id]: { params: { ci_id: "vm-02" } } } }, config })) as Values;
    expect(done.result).toMatchObject({ status: "completed", results: { restart: { data: { ci_id: "vm-02" } }, notify: { data: { restarted: "vm-02" } } } });

    // A map keyed by step id works too; a rejected step fails and its dependants are skipped.
    const other = await client.threads.create();
    await client.runs.wait(other.thread_id, "orchestrator", { input: {}, config });
    const rejected = (await client.runs.wait(other.thread_id, "orchestrator", { command: { resume: { restart: "reject" } }, config })) as Values;
    expect(rejected.result?.errors.restart).toMatch(/reject/);
    expect(rejected.result?.skipped).toEqual(["notify"]);
  });

  it("runs 20 plans at once on different threads, each with its own correct result", async () => {
    const runs = Array.from({ length: 20 }, async (_, i) => {
      const plan = {
        steps: [
          { id: "tag", tool: "echo", params: { tag: i } },
          { id: "wait", tool: "sleep", params: { ms: 150 + (i % 5) * 40, tag: `t${i}` } },
          { id: "join", tool: "echo", output_mapping: { tag: "{tag.data.tag}", slept: "{wait.data.tag}" } },
        ],
      };
      const thread = await client.threads.create();
      const values = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan } } })) as Values;
      return { i, values };
    });
    const started = Date.now();
    const all = await Promise.all(runs);
    const elapsed = Date.now() - started;
    for (const { i, values } of all) {
      expect(values.result?.status, `run ${i}`).toBe("completed");
      expect(values.result?.results.join?.data, `run ${i}`).toEqual({ tag: i, slept: `t${i}` });
    }
    expect(new Set(all.map(({ values }) => values.run_id)).size).toBe(20);
    // Concurrent, not one after another: one after another, the sleeps alone would take 4.6 s.
    const serialSleep = Array.from({ length: 20 }, (_, i) => 150 + (i % 5) * 40).reduce((a, b) => a + b, 0);
    expect(elapsed).toBeLessThan(serialSleep);
  });

  it("cancels a running plan promptly, and the thread takes a new run afterwards", async () => {
    const thread = await client.threads.create();
    const slow = { steps: [{ id: "slow", tool: "sleep", params: { ms: 30_000 } }] };
    const run = await client.runs.create(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: slow } } });
    for (let i = 0; i < 50 && (await client.runs.get(thread.thread_id, run.run_id)).status === "pending"; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await client.runs.cancel(thread.thread_id, run.run_id, true);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The in-memory dev server reports a cancelled running run as "error" (reason "interrupt").
    expect(["interrupted", "error"]).toContain((await client.runs.get(thread.thread_id, run.run_id)).status);
    const next = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: DECISION_PLAN } } })) as Values;
    expect(next.result?.status).toBe("completed");
  });

  it("runs plans deeper than LangGraph's default 25 supersteps", async () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, tool: "echo", params: { i }, ...(i ? { depends_on: [`s${i - 1}`] } : {}) }));
    const thread = await client.threads.create();
    const values = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: { steps } } } })) as Values;
    expect(values.result?.status).toBe("completed");
    expect(Object.keys(values.result!.results)).toHaveLength(40);
  });

  it("calls MCP tools named in PLANGRAPH_MCP_CONFIG from a plan", async () => {
    const thread = await client.threads.create();
    const plan = { steps: [{ id: "lookup", tool: "host_lookup", params: { name: "db-01" } }, { id: "health", tool: "host_health", output_mapping: { host: "{lookup.host}" } }] };
    const values = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan } } })) as Values;
    expect(values.result?.results).toEqual({ lookup: { host: "db-01", ip: "10.0.0.7", rack: "r-5" }, health: { host: "db-01", healthy: true, cpu: 35 } });
  });
});

describe("ops_agent on the server", () => {
  it("plans with the model, repairs an invalid plan, runs it as a subgraph (steps streamed) and answers", async () => {
    stub.requests.length = 0;
    const thread = await client.threads.create();
    const seen: string[] = [];
    for await (const chunk of client.runs.stream(thread.thread_id, "ops_agent", {
      input: { messages: [{ role: "user", content: "Which rack is web-01 in?" }] },
      streamMode: ["updates", "custom"],
      streamSubgraphs: true,
    })) {
      const data = chunk.data as Record<string, unknown>;
      if (chunk.event.startsWith("custom")) seen.push(`${chunk.event.split(":")[0]} ${String(data.plangraph)} ${String(data.step)}`);
      if (chunk.event.startsWith("updates")) seen.push(`${chunk.event.split(":")[0]} ${Object.keys(data).join(",")}`);
    }
    // The plan's steps stream from the subgraph (namespace execute:<task>) before the agent's execute node completes.
    expect(seen).toContain("custom|execute step_end lookup");
    expect(seen.indexOf("custom|execute step_end note")).toBeLessThan(seen.indexOf("updates execute"));
    expect(seen.filter((s) => s.startsWith("updates ") && !s.startsWith("updates|")).map((s) => s.slice(8))).toEqual(["planner", "validate", "planner", "validate", "execute", "respond"]);

    const state = (await client.threads.getState(thread.thread_id)).values as { messages: Array<{ type: string; content: unknown; status?: string }>; result: Result };
    expect(state.messages.map((m) => m.type)).toEqual(["human", "ai", "tool", "ai", "tool", "ai"]);
    expect(String(state.messages[2]!.content)).toMatch(/UNKNOWN_STEP.*lokup/s);
    expect(state.messages.at(-1)!.content).toBe("web-01 (10.0.0.7) is in rack r-6.");
    expect(state.result).toMatchObject({ status: "completed", results: { note: { data: { rack: "r-6" } } } });
    // The real ChatOpenAI client in the server talked to the stub: two planning turns and an answer.
    expect(stub.requests).toHaveLength(3);
    expect(JSON.stringify(stub.requests[0]!.tools)).toContain('"host_lookup"');
  });
});
