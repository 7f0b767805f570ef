import { Annotation, StateGraph, type StateDefinition } from "@langchain/langgraph";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import { RESULT_CHANNEL, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { addPlanEdges, type PlanBuilder } from "./edges.js";
import { guardCheckpointer } from "./durable-guards.js";
import { resultReducer } from "./result-channel.js";
import { decisionNode, stepNode } from "./nodes.js";
import { subPlanNode } from "./sub-plan-graph.js";
import { bindRunStream } from "./run-stream.js";
import type { GraphRuntimeOptions } from "./options.js";

type CompiledPlan = ReturnType<StateGraph<StateDefinition, Record<string, unknown>, Record<string, unknown>, string>["compile"]>;

/**
 * The compiled LangGraph graph of a plan, with the prepared plan it was compiled from. Nothing
 * about any run is kept here: one PlanGraph serves any number of concurrent runs (the LangGraph
 * server shares one per assistant), each with its own run context.
 */
export interface PlanGraph extends CompiledPlan {
  readonly prepared: PreparedPlan;
}

/**
 * Compiles a prepared plan into a LangGraph graph: one node per step and decision, one waiting
 * edge per node, conditional edges for decisions, a state channel per step. Every run enters
 * through the graph's single stream wrapper (`stream`, which `invoke`, `streamEvents` and parent
 * graphs use too), which gives it its own run context and eager scheduler.
 */
export function buildPlanGraph(prepared: PreparedPlan, options: GraphRuntimeOptions): PlanGraph {
  const compiled = buildStateGraph(prepared, options);
  Object.defineProperty(compiled, "prepared", { value: prepared, enumerable: false, writable: false });
  const graph = compiled as PlanGraph;
  bindRunStream(graph, prepared, options);
  return graph;
}

function buildStateGraph(prepared: PreparedPlan, options: GraphRuntimeOptions): CompiledPlan {
  const spec: Record<string, ReturnType<typeof Annotation<unknown>>> = {
    [RUN_ID_CHANNEL]: Annotation<unknown>(),
    [STARTED_AT_CHANNEL]: Annotation<unknown>(),
  };
  if (options.resultChannel) {
    spec[RESULT_CHANNEL] = Annotation<unknown>({ reducer: resultReducer, default: () => null }) as never;
  }
  for (const id of prepared.steps.keys()) spec[stepChannel(id)] = Annotation<unknown>();
  for (const id of prepared.decisions.keys()) spec[decisionChannel(id)] = Annotation<unknown>();
  const State = Annotation.Root(spec);
  // Each node reads only what it uses (the run's id and start, and its loop's decision). Reading
  // every step channel in every node costs LangGraph O(nodes × channels) at compile and run time;
  // a resumed run's full state is read once, when its scheduler is created (RunContext.obtain).
  const nodeInput = (id: string) => {
    const loop = prepared.loopOf.get(id);
    return Annotation.Root({
      [RUN_ID_CHANNEL]: spec[RUN_ID_CHANNEL]!,
      [STARTED_AT_CHANNEL]: spec[STARTED_AT_CHANNEL]!,
      ...(loop !== undefined ? { [decisionChannel(loop)]: spec[decisionChannel(loop)]! } : {}),
    });
  };
  // The graph's node names are the plan's ids: not known to the type system, hence the casts below.
  const builder = new StateGraph(State) as unknown as PlanBuilder;

  for (const step of prepared.steps.values()) {
    // A sub-plan step is a subgraph (Studio and `getGraph({ xray: true })` show its inner steps).
    const node = step.subPlan ? subPlanNode(prepared, options, step) : stepNode(prepared, options, step);
    builder.addNode(step.id, node as never, { input: nodeInput(step.id) });
  }
  for (const decision of prepared.decisions.values()) builder.addNode(decision.id, decisionNode(prepared, options, decision), { input: nodeInput(decision.id) });
  addPlanEdges(builder, prepared);
  return builder.compile({
    ...(options.checkpointer ? { checkpointer: guardCheckpointer(options.checkpointer) } : {}),
    ...(options.name ? { name: options.name } : {}),
  });
}


export type { ApprovalAnswer, GraphRuntimeOptions };
