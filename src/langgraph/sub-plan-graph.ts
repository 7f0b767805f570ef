import { Annotation, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import type { PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import { RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel } from "./channels.js";
import { addPlanEdges, type PlanBuilder } from "./edges.js";
import type { GraphRuntimeOptions } from "./options.js";
import { contextOf } from "./run-context.js";
import { passIteration, stepNode } from "./nodes.js";

type State = Record<string, unknown>;

/**
 * A sub-plan step's node: its inner plan compiled as a LangGraph subgraph, so Studio and
 * `getGraph({ xray: true })` draw its inner steps (`outer:inner`), and without xray it is one
 * node. The scheduler runs the inner steps (eagerly, once per element with for_each); the
 * subgraph's nodes only wait for their inner step's outcome, as the outer nodes do for theirs.
 *
 * The node is a sequence: first the run's scheduler is obtained with the outer graph's state
 * (on a resumed run it must be seeded from the outer checkpoint, not the subgraph's), then the
 * subgraph runs, then the step's record is written like any step's.
 */
export function subPlanNode(prepared: PreparedPlan, options: GraphRuntimeOptions, step: PreparedStep) {
  const enter = RunnableLambda.from(async (state: State, config: LangGraphRunnableConfig) => {
    const context = contextOf(config, prepared);
    context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
    const run = await context.obtain(state, config);
    run.demand(step.id);
    return state;
  }).withConfig({ runName: `${step.id}:enter` });
  const record = RunnableLambda.from(stepNode(prepared, options, step)).withConfig({ runName: `${step.id}:record` });
  return RunnableSequence.from([enter, subPlanGraph(prepared, step), record], step.id);
}

function subPlanGraph(prepared: PreparedPlan, step: PreparedStep) {
  const inner = step.subPlan!.prepared;
  // What the outer node reads passes through: the run's id and start, and (in a loop body) the
  // loop decision's record, which says which pass of the loop this is.
  const loop = prepared.loopOf.get(step.id);
  const State = Annotation.Root({
    [RUN_ID_CHANNEL]: Annotation<unknown>(),
    [STARTED_AT_CHANNEL]: Annotation<unknown>(),
    ...(loop !== undefined ? { [decisionChannel(loop)]: Annotation<unknown>() } : {}),
  });
  const builder = new StateGraph(State) as unknown as PlanBuilder;
  for (const id of inner.order) {
    builder.addNode(id, async (state: State, config: LangGraphRunnableConfig) => {
      const run = contextOf(config, prepared).current;
      const iteration = passIteration(prepared, step.id, state);
      // The sequence's first part created the scheduler; without it there is nothing to wait for.
      if (run) await run.whenInnerSettled(step.id, id, iteration);
      return {};
    });
  }
  // Every element may take another branch: the picture keeps the conditional edges, and at run
  // time every inner node passes (each waits for its step's outcome, skipped or not).
  addPlanEdges(builder, inner, () => () => ["then", "else"]);
  return builder.compile({ name: step.id });
}
