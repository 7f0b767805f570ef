/**
 * The `orchestrator` graph of langgraph.json: a plan compiled into a LangGraph graph — one node per
 * step and decision, an edge per dependency, conditional edges for decisions — run by the eager
 * scheduler, with the run's result (docs/RESULT-FORMAT.md) in the `result` state channel, under the
 * server's policy (src/agents/server-policy.ts).
 *
 * A graph factory: the server calls it with each assistant's (and run's) config, so every assistant
 * made for a plan is drawn in Studio with that plan's shape. The plan comes from
 * `configurable.plan` (object or JSON text), or `configurable.plan_id` (a file of examples/), or
 * defaults to examples/decision-branches.json.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { registeredAfter } from "./listing-order.js";
import { planFromConfig } from "./plans.js";
import { servedPlanGraph } from "./plan-graph.js";

// Listed first by `assistants.search` (see listing-order.ts): registered after ops_agent.
await registeredAfter(() => import("./ops-agent.js"));

export async function orchestrator(config?: LangGraphRunnableConfig) {
  return servedPlanGraph(config, "orchestrator", () => planFromConfig(config).plan);
}
