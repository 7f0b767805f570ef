/**
 * Fixtures for the agent tests: an inventory tool that counts its calls, and the real ChatOpenAI
 * client pointed at the scriptable OpenAI-compatible stub.
 */
import { z } from "zod";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { chatModelFromEnv } from "../../src/decide/index.js";
import { defineTool } from "../../src/tools/define.js";
import { createToolRegistry, type ToolRegistry } from "../../src/tools/registry.js";
import { startOpenAIStub, type OpenAIStub } from "../support/openai-stub.js";

/** A CMDB lookup (`ci_lookup`) and a restart (`ci_restart`, side effects) that record every call. */
export function inventoryTools() {
  const calls: Array<{ tool: string; input: Record<string, unknown> }> = [];
  const lookup = defineTool({
    name: "ci_lookup",
    description: "Find configuration items by name; returns rows with ci_id, name, type and dependants.",
    input: z.object({ query: z.string() }),
    output: z.object({ data: z.object({ rows: z.array(z.object({ ci_id: z.string(), name: z.string(), dependants: z.number() })), total: z.number() }) }),
    run: async ({ query }) => {
      calls.push({ tool: "ci_lookup", input: { query } });
      return { data: { rows: [{ ci_id: `ci-${query}`, name: query, dependants: query.length }], total: 1 } };
    },
  });
  const restart = defineTool({
    name: "ci_restart",
    description: "Restart a configuration item.",
    input: z.object({ ci_id: z.string() }),
    output: z.object({ data: z.object({ restarted: z.string() }) }),
    sideEffects: true,
    run: async ({ ci_id }) => {
      calls.push({ tool: "ci_restart", input: { ci_id } });
      return { data: { restarted: ci_id } };
    },
  });
  const registry: ToolRegistry = createToolRegistry([lookup, restart]);
  return { calls, registry, tools: [lookup, restart] };
}

/** A stub on a free 127.0.0.1 port and the real ChatOpenAI client talking to it. */
export async function stubModel(): Promise<{ stub: OpenAIStub; model: BaseChatModel }> {
  const stub = await startOpenAIStub();
  const model = chatModelFromEnv({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url }, { maxRetries: 0 })!;
  return { stub, model };
}

/** A valid plan over the inventory tools: look up db-prod-01, then look up what the first row names. */
export const GOOD_PLAN = {
  goal: "How many dependants does db-prod-01 have?",
  steps: [
    { id: "primary", tool: "ci_lookup", params: { query: "db-prod-01" } },
    { id: "detail", tool: "ci_lookup", output_mapping: { query: "{primary.data.rows[0].name}" } },
  ],
  answer: "{primary.data.rows[0].name} has {detail.data.rows[0].dependants} dependants",
};

/** The same plan with a typo in a reference: invalid (unknown step 'primray'). */
export const TYPO_PLAN = {
  ...GOOD_PLAN,
  steps: [GOOD_PLAN.steps[0], { id: "detail", tool: "ci_lookup", output_mapping: { query: "{primray.data.rows[0].name}" } }],
};
