/**
 * `createPlanTool` used by LangGraph's prebuilt agent (`createReactAgent`) with the real ChatOpenAI
 * client against the OpenAI-compatible stub: the agent's model hands over a whole plan in one tool
 * call, reads the results, and answers.
 */
import { HumanMessage, isToolMessage, type ToolMessage } from "@langchain/core/messages";
import { Command, MemorySaver } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { createPlanTool, PlanToolInputSchema } from "../../src/agents/index.js";
import { reply, requestText, type OpenAIStub } from "../support/openai-stub.js";
import { GOOD_PLAN, TYPO_PLAN, inventoryTools, stubModel } from "./support.js";

let stub: OpenAIStub;
let model: BaseChatModel;

beforeEach(async () => {
  ({ stub, model } = await stubModel());
});
afterEach(async () => {
  await stub.close();
});

const toolMessages = (messages: unknown[]) => messages.filter((m): m is ToolMessage => isToolMessage(m as never));

describe("createPlanTool: a plan as one tool call of any LangChain/LangGraph agent", () => {
  it("has the plan schema as its input schema, with the catalogue's tool names", () => {
    const planTool = createPlanTool({ tools: inventoryTools().tools });
    const schema = toJsonSchema(planTool.schema as never) as { properties: Record<string, { items?: { properties?: Record<string, { enum?: string[] }> } }> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["goal", "steps", "decisions", "answer", "primary", "tool_dependencies"]));
    expect(schema.properties.steps!.items!.properties!.tool!.enum).toEqual(expect.arrayContaining(["ci_lookup", "ci_restart", "echo"]));
    expect(planTool.description).toContain("ci_lookup");
    // OpenAI caps a function description at 1024 characters: each tool's input is described in the schema.
    expect(planTool.description.length).toBeLessThanOrEqual(1024);
    const toolField = (toJsonSchema(planTool.schema as never) as { properties: { steps: { items: { properties: { tool: { description: string } } } } } }).properties.steps.items.properties.tool;
    expect(toolField.description).toMatch(/- ci_lookup: Find configuration items[\s\S]*"query"/);
    // The generic schema (any tool name) is exported for documentation and other agents.
    expect(Object.keys((toJsonSchema(PlanToolInputSchema as never) as { properties: object }).properties)).toContain("steps");
  });

  it("runs the plan a prebuilt ReAct agent sends and returns its results to the model", async () => {
    const inventory = inventoryTools();
    const agent = createReactAgent({ llm: model, tools: [createPlanTool({ tools: inventory.tools })] });
    stub.enqueue(reply.toolCall("run_plan", GOOD_PLAN), reply.text("db-prod-01 has 10 dependants."));

    const state = await agent.invoke({ messages: [new HumanMessage("How many dependants does db-prod-01 have?")] });

    const [toolReply] = toolMessages(state.messages);
    const content = JSON.parse(String(toolReply!.content)) as Record<string, unknown>;
    expect(content).toMatchObject({ status: "completed", answer: "db-prod-01 has 10 dependants", results: { detail: { data: { total: 1 } } } });
    expect(toolReply!.artifact).toMatchObject({ status: "completed", strategy: "SERIAL", order: [["primary"], ["detail"]] });
    expect(inventory.calls).toHaveLength(2);
    // The agent's model saw the plan schema as the tool's parameters.
    const parameters = stub.requests[0]!.tools![0]!.function.parameters as { properties: Record<string, unknown> };
    expect(Object.keys(parameters.properties)).toEqual(expect.arrayContaining(["steps", "decisions", "primary"]));
    expect(requestText(stub.requests[1]!)).toContain("db-prod-01 has 10 dependants");
    expect(state.messages.at(-1)!.content).toBe("db-prod-01 has 10 dependants.");
  });

  it("does not run an invalid plan and tells the model every problem, which it repairs", async () => {
    const inventory = inventoryTools();
    const agent = createReactAgent({ llm: model, tools: [createPlanTool({ tools: inventory.tools })] });
    stub.enqueue(reply.toolCall("run_plan", TYPO_PLAN), reply.toolCall("run_plan", GOOD_PLAN), reply.text("fixed it"));

    const state = await agent.invoke({ messages: [new HumanMessage("go")] });

    const [invalid, valid] = toolMessages(state.messages);
    expect(String(invalid!.content)).toMatch(/UNKNOWN_STEP at \$\.steps\[1\].*primray/s);
    expect(JSON.parse(String(valid!.content)).status).toBe("completed");
    expect(inventory.calls).toHaveLength(2);
  });

  it("lets a step that requires approval interrupt the agent, and resume it", async () => {
    const inventory = inventoryTools();
    const agent = createReactAgent({ llm: model, tools: [createPlanTool({ tools: inventory.tools, chatModel: null })], checkpointSaver: new MemorySaver() });
    const plan = {
      steps: [
        { id: "find", tool: "ci_lookup", params: { query: "web-01" } },
        { id: "restart", tool: "ci_restart", output_mapping: { ci_id: "{find.data.rows[0].ci_id}" }, requires_approval: true },
      ],
    };
    stub.enqueue(reply.toolCall("run_plan", plan), reply.text("restarted"));
    const config = { configurable: { thread_id: "react-approval" } };

    const paused = (await agent.invoke({ messages: [new HumanMessage("restart web-01")] }, config)) as { __interrupt__?: Array<{ id: string; value: { step: string } }> };
    expect(paused.__interrupt__?.[0]?.value.step).toBe("restart");
    expect(inventory.calls.map((c) => c.tool)).toEqual(["ci_lookup"]);

    const done = await agent.invoke(new Command({ resume: { [paused.__interrupt__![0]!.id]: "approve" } }), config);
    expect(inventory.calls.map((c) => c.tool)).toEqual(["ci_lookup", "ci_restart"]);
    expect(JSON.parse(String(toolMessages(done.messages)[0]!.content)).status).toBe("completed");
    expect(done.messages.at(-1)!.content).toBe("restarted");
  });

  it("approves every step itself with approveAll (no human in the loop)", async () => {
    const inventory = inventoryTools();
    const planTool = createPlanTool({ tools: inventory.tools, approveAll: true, chatModel: null });
    const plan = { steps: [{ id: "restart", tool: "ci_restart", params: { ci_id: "ci-1" }, requires_approval: true }] };
    const text = await planTool.invoke(plan);
    expect(JSON.parse(String(text))).toMatchObject({ status: "completed", results: { restart: { data: { restarted: "ci-1" } } } });
  });
});

describe("createPlanTool with approveAll inside an agent", () => {
  it("runs approval steps without pausing the agent", async () => {
    const inventory = inventoryTools();
    const agent = createReactAgent({ llm: model, tools: [createPlanTool({ tools: inventory.tools, approveAll: true, chatModel: null })], checkpointSaver: new MemorySaver() });
    const plan = { steps: [{ id: "restart", tool: "ci_restart", params: { ci_id: "ci-9" }, requires_approval: true }] };
    stub.enqueue(reply.toolCall("run_plan", plan), reply.text("restarted ci-9"));
    const state = await agent.invoke({ messages: [new HumanMessage("restart ci-9")] }, { configurable: { thread_id: "approve-all" } });
    expect((state as { __interrupt__?: unknown }).__interrupt__).toBeUndefined();
    expect(inventory.calls).toEqual([{ tool: "ci_restart", input: { ci_id: "ci-9" } }]);
    expect(state.messages.at(-1)!.content).toBe("restarted ci-9");
  });

  it("refuses an approval step outside any graph, naming it", async () => {
    const planTool = createPlanTool({ tools: inventoryTools().tools, chatModel: null });
    const plan = { steps: [{ id: "restart", tool: "ci_restart", params: { ci_id: "ci-1" }, requires_approval: true }] };
    await expect(planTool.invoke(plan)).rejects.toThrow(/'restart' needs approval/);
  });
});
