/**
 * The `ops_agent` graph of langgraph.json: a chat agent (messages in, messages out) whose model
 * writes a plan against the tool catalogue, has it validated (one repair round), runs it as a
 * subgraph and answers from the results.
 *
 * The model is ChatOpenAI from the server's environment: OPENAI_API_KEY, OPENAI_BASE_URL (any
 * OpenAI-compatible server), PLANGRAPH_MODEL; an assistant may pick another model name with
 * `configurable.model`. Without a key the agent says that no model is configured.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { createOpsAgent } from "../src/agents/ops-agent.js";
import { chatModelFromEnv } from "../src/decide/model.js";
import { serverRegistry } from "./catalogue.js";

export async function ops_agent(config?: LangGraphRunnableConfig) {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const env = typeof configurable.model === "string" && configurable.model ? { ...process.env, PLANGRAPH_MODEL: configurable.model } : process.env;
  const model = chatModelFromEnv(env, { maxRetries: 1 }) ?? null;
  return createOpsAgent({ registry: await serverRegistry(), model });
}
