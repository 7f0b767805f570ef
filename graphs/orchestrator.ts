/**
 * The `orchestrator` graph of langgraph.json: a plan compiled into a LangGraph graph — one node per
 * step and decision, an edge per dependency, conditional edges for decisions — run by the eager
 * scheduler, with the contract's result in the `result` state channel.
 *
 * A graph factory: the server calls it with each assistant's (and run's) config, so every assistant
 * made for a plan is drawn in Studio with that plan's shape. The plan comes from
 * `configurable.plan` (object or JSON text), or `configurable.plan_id` (a file of examples/), or
 * defaults to examples/decision-branches.json.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { planSubgraph } from "../src/agents/plan-subgraph.js";
import { PlanValidationError, isPlangraphError } from "../src/model/errors.js";
import { chatModelFromEnv as chatModelFromEnvironment } from "../src/decide/model.js";
import { serverRegistry } from "./catalogue.js";
import { examplePlan, planFromConfig } from "./plans.js";

export async function orchestrator(config?: LangGraphRunnableConfig) {
  let plan: unknown;
  try {
    ({ plan } = planFromConfig(config));
  } catch (error) {
    throw asHttpError(error);
  }
  return planGraph(plan, "orchestrator");
}

/** A plan as a server graph: built-in + ops + MCP tools, the environment's chat model for questions. */
export async function planGraph(plan: unknown, name: string) {
  const registry = await serverRegistry();
  try {
    return planSubgraph(plan, { registry, chatModel: chatModelFromEnvironment(process.env), name });
  } catch (error) {
    throw asHttpError(error);
  }
}

/**
 * The server answers any error thrown while it loads a graph (`assistants.getGraph`, schemas) with
 * a bare "500 Internal Server Error"; Hono, under it, sends the response of an error that has
 * `getResponse()` instead. So an invalid plan comes back as 400 with its problems, each with its
 * JSON path. (A run with an invalid plan fails with the same message in its `error` event.)
 */
function asHttpError(error: unknown): unknown {
  if (!isPlangraphError(error)) return error;
  const issues = error instanceof PlanValidationError ? error.issues.map((issue) => issue.toJSON()) : [error.toJSON()];
  return Object.assign(error, {
    getResponse: () => new Response(JSON.stringify({ error: error.code, message: error.message, issues }), { status: 400, headers: { "content-type": "application/json" } }),
  });
}

/** The graph of one example plan (examples/<id>.json), whatever the config says. */
export function exampleGraph(id: string) {
  return async (_config?: LangGraphRunnableConfig) => planGraph(examplePlan(id), id.replaceAll("-", "_"));
}
