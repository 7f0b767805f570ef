/**
 * The `ops_agent` graph of langgraph.json: a chat agent (messages in, messages out) whose model
 * writes a plan against the tool catalogue, has it validated (one repair round), runs it as a
 * subgraph and answers from the results — under the server's policy (graphs/policy.ts): the
 * model sees only allowed tools, and its plans get the run budget, step timeouts and approvals.
 *
 * The model is ChatOpenAI from the server's environment: OPENAI_API_KEY, OPENAI_BASE_URL (any
 * OpenAI-compatible server), PLANGRAPH_MODEL; an assistant may pick another model name with
 * `configurable.model`. Without a key the agent says that no model is configured.
 *
 * With PLANGRAPH_AGENT_QUEUE=1 (and DATABASE_URL, PLANGRAPH_QUEUE_SCHEMA as for `plangraph worker`)
 * its plans run on the worker pool: the server plans and answers, the workers call the tools, and
 * a plan's approval pauses the agent until its thread is resumed (docs/SCALING.md).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { createOpsAgent } from "../src/agents/ops-agent.js";
import { agentQueueFromEnv } from "../src/agents/queue-from-env.js";
import { serveForCaller } from "../src/auth/served-graph.js";
import { rejectedPlanGraph } from "../src/agents/plan-rejection.js";
import { chatModelFromEnv } from "../src/decide/model.js";
import { isPlangraphError } from "../src/model/errors.js";
import { ToolRegistry } from "../src/tools/registry.js";
import { serverRegistry } from "./catalogue.js";
import { registeredAfter } from "./listing-order.js";
import { asHttpError } from "./plan-graph.js";
import { isRunConfig, runPolicy } from "./policy.js";
import { serverAdmission } from "./run-admission.js";

// Listed before the example graphs by `assistants.search` (see listing-order.ts).
await registeredAfter(() => import("./examples.js"));

export async function ops_agent(config?: LangGraphRunnableConfig) {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const env = typeof configurable.model === "string" && configurable.model ? { ...process.env, PLANGRAPH_MODEL: configurable.model } : process.env;
  const model = chatModelFromEnv(env, { maxRetries: 1 }) ?? null;
  const catalogue = await serverRegistry();
  let policy;
  let queue;
  try {
    policy = runPolicy(config, catalogue);
    queue = agentQueueFromEnv(process.env);
  } catch (error) {
    // As for plans (plan-graph.ts): a run gets the refusal as its `error` value, getGraph a 400.
    if (isRunConfig(config) && isPlangraphError(error)) return serveForCaller(rejectedPlanGraph(error, "ops_agent"), serverAdmission());
    throw asHttpError(error);
  }
  // The model plans against the allowed tools only; the limits refuse any other all the same.
  const allowed = policy.limits.allowedTools;
  const registry = allowed ? new ToolRegistry(catalogue.list().filter((t) => allowed.includes(t.name)).map((t) => t.tool)) : catalogue;
  // Its plans run for the authenticated caller: the agent's nodes and the plan subgraph read it from the run's config.
  // With PLANGRAPH_AGENT_QUEUE on, the plans run on the worker pool and the server only plans and answers.
  return serveForCaller(createOpsAgent({ registry, model, limits: policy.limits, maxStepMs: policy.maxStepMs, ...(queue ? { queue } : {}) }), serverAdmission());
}
