import { Annotation, END, START, StateGraph, type StateDefinition } from "@langchain/langgraph";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { DecisionOutcome } from "../model/records.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import { RESULT_CHANNEL, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { planWiring } from "./wiring.js";
import { guardCheckpointer } from "./durable-guards.js";
import { resultReducer } from "./result-channel.js";
import { decisionNode, stepNode } from "./nodes.js";
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

  for (const step of prepared.steps.values()) builder.addNode(step.id, stepNode(prepared, options, step), { input: nodeInput(step.id) });
  for (const decision of prepared.decisions.values()) builder.addNode(decision.id, decisionNode(prepared, options, decision), { input: nodeInput(decision.id) });
  addPlanEdges(builder, prepared);
  return builder.compile({
    ...(options.checkpointer ? { checkpointer: guardCheckpointer(options.checkpointer) } : {}),
    ...(options.name ? { name: options.name } : {}),
  });
}

type PlanBuilder = StateGraph<StateDefinition, Record<string, unknown>, Record<string, unknown>, string>;

/** One waiting edge per node, a conditional edge per decision, the sinks to END (see wiring.ts). */
function addPlanEdges(builder: PlanBuilder, prepared: PreparedPlan): void {
  const wiring = planWiring(prepared);
  for (const [id, sources] of wiring.sources) {
    if (wiring.branchTargets.has(id)) continue;
    if (sources.length === 0) builder.addEdge(START, id);
    else if (sources.length === 1) builder.addEdge(sources[0]!, id);
    else builder.addEdge(sources, id);
  }
  for (const [id, branches] of wiring.branches) {
    // Path-map keys are what Studio and Mermaid print on the edge: the branch name, plus the
    // target when a branch fans out to several steps.
    const keyed = (branch: "then" | "else") =>
      branches[branch].length === 0
        ? [[branch, END] as const]
        : branches[branch].map((target) => [branches[branch].length === 1 ? branch : `${branch}:${target}`, target] as const);
    const routes = { then: keyed("then"), else: keyed("else") };
    const pathMap = Object.fromEntries([...routes.then, ...routes.else]);
    builder.addConditionalEdges(
      id,
      (state: Record<string, unknown>) => {
        const outcome = state[decisionChannel(id)] as DecisionOutcome | undefined;
        if (!outcome || outcome.status !== "decided") return [];
        return routes[outcome.branch ?? "then"].map(([key]) => key);
      },
      pathMap,
    );
  }
  for (const sink of wiring.sinks) builder.addEdge(sink, END);
}

export type { ApprovalAnswer, GraphRuntimeOptions };
