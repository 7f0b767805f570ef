import type { PlanGraph } from "../langgraph/graph.js";
import { describeRuntimeSchemas } from "../langgraph/internals.js";
import { planGraphSchemas } from "../langgraph/state-schemas.js";
import { compilePlan } from "./compile-plan.js";
import type { PlanOptions } from "./options.js";

/** Options of {@link planSubgraph}: those of `compilePlan`, plus a name for the graph. */
export interface PlanSubgraphOptions extends PlanOptions {
  /** The graph's name (Studio, traces). */
  name?: string;
}

/**
 * A plan compiled for use inside LangGraph: as a node of a parent graph
 * (`parent.addNode("plan", planSubgraph(plan))`), as a graph of the LangGraph server, or invoked
 * from a node. Takes raw plan input or a prepared plan. The contract's result object is kept in
 * the `result` state channel (a parent whose state has a `result` key receives it), runs get
 * enough supersteps for the plan whatever recursion limit the caller passes, every run gets its
 * own run context and telemetry, and the server's `getSchemas` describes the plan's channels.
 *
 * Approvals (`requires_approval`) pause the parent through LangGraph `interrupt`; resume it with
 * `Command({ resume })` (see docs/PLAN-FORMAT.md, "Approvals"). A parent with a checkpointer is needed
 * for that; the plan graph inherits it.
 */
export function planSubgraph(plan: unknown, options: PlanSubgraphOptions = {}): PlanGraph {
  const { name, ...planOptions } = options;
  const graph = compilePlan(plan, { ...planOptions, resultChannel: true });
  if (name) graph.name = name;
  describeRuntimeSchemas(graph, planGraphSchemas(graph.prepared));
  return graph;
}

export { planGraphSchemas };
