/**
 * The ops agent in process, with the real ChatOpenAI client against the OpenAI-compatible stub:
 * the model plans (a run_plan tool call against the catalogue), invalid plans go back to it for one
 * repair round, the plan runs as a subgraph, and the model answers from the results.
 */
import { HumanMessage, isAIMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, MemorySaver } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpsAgent, OPS_PLAN_TOOL } from "../../src/agents/index.js";
import { reply, requestText, type OpenAIStub } from "../support/openai-stub.js";
import { GOOD_PLAN, TYPO_PLAN, inventoryTools, stubModel } from "./support.js";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";

let stub: OpenAIStub;
let model: BaseChatModel;

beforeEach(async () => {
  ({ stub, model } = await stubModel());
});
afterEach(async () => {
  await stub.close();
});

const thread = (id: string) => ({ configurable: { thread_id: id } });
const roles = (messages: BaseMessage[]) => messages.map((m) => (isToolMessage(m) ? `tool:${m.status ?? "success"}` : isAIMessage(m) ? (m.tool_calls?.length ? "ai:plan" : "ai") : m.getType()));

describe("ops agent: plan → validate → run as a subgraph → answer", () => {
  it("repairs an invalid first plan, runs the repaired one and answers from its results", async () => {
    const inventory = inventoryTools();
    const agent = createOpsAgent({ registry: inventory.registry, model, checkpointer: new MemorySaver() });
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, TYPO_PLAN), reply.toolCall(OPS_PLAN_TOOL, GOOD_PLAN), reply.text("db-prod-01 has 10 dependants."));

    const state = await agent.invoke({ messages: [new HumanMessage("How many dependants does db-prod-01 have?")] }, thread("repair"));

    expect(roles(state.messages)).toEqual(["human", "ai:plan", "tool:error", "ai:plan", "tool:success", "ai"]);
    expect(state.messages.at(-1)!.content).toBe("db-prod-01 has 10 dependants.");
    // The model planned against the catalogue: one tool, whose schema names the registered tools.
    const planTool = stub.requests[0]!.tools!.find((t) => t.function.name === OPS_PLAN_TOOL)!;
    const parameters = planTool.function.parameters as { type: string; properties: { steps: { items: { properties: { tool: { enum: string[] } } } } } };
    expect(parameters.type).toBe("object");
    expect(parameters.properties.steps.items.properties.tool.enum).toEqual(expect.arrayContaining(["ci_lookup", "ci_restart", "echo"]));
    expect(requestText(stub.requests[0]!)).toContain("ci_restart");
    // The repair request carries the validation problem, naming the step and the typo.
    const repair = requestText(stub.requests[1]!);
    expect(repair).toContain("UNKNOWN_STEP");
    expect(repair).toContain("primray");
    // Only the repaired plan ran, each step once; the answer came from its results.
    expect(inventory.calls.map((c) => c.input.query)).toEqual(["db-prod-01", "db-prod-01"]);
    expect(state.result).toMatchObject({ status: "completed", answer: "db-prod-01 has 10 dependants" });
    expect(requestText(stub.requests[2]!)).toContain('"dependants":10');
    expect(stub.requests[2]!.tools).toBeUndefined();
  });

  it("stops after one repair round and answers with what went wrong", async () => {
    const inventory = inventoryTools();
    const agent = createOpsAgent({ registry: inventory.registry, model });
    const unknownTool = { steps: [{ id: "x", tool: "ci_explode", params: {} }] };
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, TYPO_PLAN), reply.toolCall(OPS_PLAN_TOOL, unknownTool), reply.text("I could not build a valid plan."));

    const state = await agent.invoke({ messages: [new HumanMessage("restart everything")] });

    expect(roles(state.messages)).toEqual(["human", "ai:plan", "tool:error", "ai:plan", "tool:error", "ai"]);
    expect(stub.requests).toHaveLength(3);
    expect(requestText(stub.requests[2]!)).toContain("ci_explode");
    expect(inventory.calls).toEqual([]);
    expect(state.result).toBeNull();
  });

  it("answers directly when the question needs no tool", async () => {
    const agent = createOpsAgent({ registry: inventoryTools().registry, model });
    stub.enqueue(reply.text("Hello! Ask me about your infrastructure."));
    const state = await agent.invoke({ messages: [new HumanMessage("hi")] });
    expect(roles(state.messages)).toEqual(["human", "ai"]);
    expect(stub.requests).toHaveLength(1);
  });

  it("streams the plan's steps from the subgraph while it runs", async () => {
    const inventory = inventoryTools();
    const agent = createOpsAgent({ registry: inventory.registry, model });
    // A slow first step: its events come from the eagerly launched tool, after the nodes started.
    const plan = { ...GOOD_PLAN, steps: [{ id: "pause", tool: "sleep", params: { ms: 50 } }, ...GOOD_PLAN.steps.map((s) => ({ ...s, depends_on: ["pause"] }))] };
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, plan), reply.text("done"));
    const seen: Array<{ ns: string[]; event: string; step?: string }> = [];
    const stream = await agent.stream({ messages: [new HumanMessage("go")] }, { streamMode: ["custom", "updates"], subgraphs: true });
    for await (const [ns, mode, chunk] of stream as AsyncIterable<[string[], string, Record<string, unknown>]>) {
      if (mode === "custom") seen.push({ ns, event: String(chunk.plangraph), step: chunk.step as string });
      else for (const node of Object.keys(chunk)) seen.push({ ns, event: `update:${node}` });
    }
    const steps = seen.filter((s) => s.event === "step_end").map((s) => s.step);
    expect(steps).toEqual(["pause", "primary", "detail"]);
    // Step events and node updates come from the plan's own namespace (execute:<task>), as Studio shows them.
    expect(seen.filter((s) => s.event === "step_end").every((s) => s.ns[0]?.startsWith("execute:"))).toBe(true);
    expect(seen.some((s) => s.event === "update:detail" && s.ns[0]?.startsWith("execute:"))).toBe(true);
    expect(seen.findIndex((s) => s.event === "update:execute")).toBeGreaterThan(seen.findIndex((s) => s.event === "step_end"));
  });

  it("pauses for a step that requires approval and resumes with edited params, each tool once", async () => {
    const inventory = inventoryTools();
    const agent = createOpsAgent({ registry: inventory.registry, model, checkpointer: new MemorySaver() });
    const plan = {
      steps: [
        { id: "find", tool: "ci_lookup", params: { query: "web-01" } },
        { id: "restart", tool: "ci_restart", output_mapping: { ci_id: "{find.data.rows[0].ci_id}" }, requires_approval: true },
      ],
    };
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, plan), reply.text("Restarted ci-web-02 as you asked."));

    const paused = await agent.invoke({ messages: [new HumanMessage("restart web-01")] }, thread("approve"));
    const interrupts = (paused as { __interrupt__?: Array<{ id: string; value: { step: string; params: unknown } }> }).__interrupt__!;
    expect(interrupts).toHaveLength(1);
    expect(interrupts[0]!.value).toMatchObject({ step: "restart", params: { ci_id: "ci-web-01" } });
    expect(inventory.calls.map((c) => c.tool)).toEqual(["ci_lookup"]);

    // A map keyed by step id (the interrupt id works too): edit the input and approve.
    const done = await agent.invoke(new Command({ resume: { restart: { params: { ci_id: "ci-web-02" } } } }), thread("approve"));
    expect(inventory.calls).toEqual([
      { tool: "ci_lookup", input: { query: "web-01" } },
      { tool: "ci_restart", input: { ci_id: "ci-web-02" } },
    ]);
    expect(done.result).toMatchObject({ status: "completed", results: { restart: { data: { restarted: "ci-web-02" } } } });
    expect(done.messages.at(-1)!.content).toBe("Restarted ci-web-02 as you asked.");
    expect(stub.requests).toHaveLength(2);
  });

  it("runs the model's plans under maxStepMs: a step asking for an hour is cut off at the cap", async () => {
    const agent = createOpsAgent({ registry: inventoryTools().registry, model, maxStepMs: 200 });
    const plan = { steps: [{ id: "nap", tool: "sleep", params: { ms: 3_600_000 }, timeout_ms: 3_600_000 }] };
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, plan), reply.text("The nap was cut short."));
    const started = Date.now();
    const state = await agent.invoke({ messages: [new HumanMessage("sleep for an hour")] });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(state.result).toMatchObject({ status: "failed", errors: { nap: expect.stringMatching(/timed out after 200 ms/) } });
  });

  it("says so when no chat model is configured", async () => {
    const agent = createOpsAgent({ registry: inventoryTools().registry, model: null });
    const state = await agent.invoke({ messages: [new HumanMessage("hi")] });
    expect(String(state.messages.at(-1)!.content)).toMatch(/OPENAI_API_KEY/);
  });
});
