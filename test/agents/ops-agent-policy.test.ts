/**
 * The ops agent under the caller's roles (issue 15, "Policy"): a plan whose tool the caller may not
 * call goes back to the model as a problem to fix, naming the step, the tool and the role, and the
 * refused tool never runs. The real ChatOpenAI client against the OpenAI-compatible stub.
 */
import { HumanMessage, isToolMessage } from "@langchain/core/messages";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpsAgent, OPS_PLAN_TOOL } from "../../src/agents/index.js";
import { CALLER_CONFIG_KEY, type CallerContext } from "../../src/model/caller.js";
import { reply, requestText, type OpenAIStub } from "../support/openai-stub.js";
import { GOOD_PLAN, inventoryTools, stubModel } from "./support.js";

let stub: OpenAIStub;
let model: BaseChatModel;
beforeEach(async () => {
  ({ stub, model } = await stubModel());
});
afterEach(async () => {
  await stub.close();
});

const viewer: CallerContext = { tenant: "globex", user: "vic", roles: ["viewer"], trace_id: "trace-vic", source: "auth" };
const RESTART_PLAN = { goal: "Restart db-prod-01", steps: [{ id: "restart", tool: "ci_restart", params: { ci_id: "db-prod-01" } }] };

describe("ops agent: plans run under the caller's roles", () => {
  it("sends a viewer's plan that calls a side-effecting tool back to the model, and never calls the tool", async () => {
    const inventory = inventoryTools();
    const agent = createOpsAgent({ registry: inventory.registry, model });
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, RESTART_PLAN), reply.toolCall(OPS_PLAN_TOOL, GOOD_PLAN), reply.text("I may not restart it; it has 10 dependants."));

    const state = await agent.invoke({ messages: [new HumanMessage("Restart db-prod-01")] }, { configurable: { [CALLER_CONFIG_KEY]: viewer } });

    const refusal = state.messages.find((m) => isToolMessage(m) && m.status === "error");
    expect(String(refusal?.content)).toContain("TOOL_NOT_ALLOWED");
    expect(requestText(stub.requests[1]!)).toContain("step 'restart': tool 'ci_restart' (side-effecting) is not allowed for role 'viewer'");
    expect(inventory.calls.map((c) => c.tool)).toEqual(["ci_lookup", "ci_lookup"]);
    expect(state.result?.context).toMatchObject({ tenant: "globex", user: "vic", roles: ["viewer"] });
  });

  it("runs the same plan for an admin", async () => {
    const inventory = inventoryTools();
    const agent = createOpsAgent({ registry: inventory.registry, model });
    stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, RESTART_PLAN), reply.text("Restarted."));
    const admin = { ...viewer, user: "ada", roles: ["admin"] };
    const state = await agent.invoke({ messages: [new HumanMessage("Restart db-prod-01")] }, { configurable: { [CALLER_CONFIG_KEY]: admin } });
    expect(inventory.calls.map((c) => c.tool)).toEqual(["ci_restart"]);
    expect(state.result?.status).toBe("completed");
  });
});
