import { Annotation, END, START, StateGraph, interrupt, type LangGraphRunnableConfig, type StateDefinition } from "@langchain/langgraph";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { DecisionOutcome } from "../model/records.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import { RESULT_CHANNEL, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { contextOf } from "./run-context.js";
import { planWiring } from "./wiring.js";
import { escapeForState } from "./state-escape.js";
import { parseApprovalAnswer } from "./approval.js";
import { guardCheckpointer } from "./durable-guards.js";
import { resultReducer, resultUpdate } from "./result-channel.js";
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
  const builder = new StateGraph(State) as unknown as StateGraph<typeof State.spec, Record<string, unknown>, Record<string, unknown>, string>;

  for (const step of prepared.steps.values()) {
    builder.addNode(step.id, async (state: Record<string, unknown>, config: LangGraphRunnableConfig) => {
      const context = contextOf(config, prepared);
      context.allowTaskListeners(config.signal);
      context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
      const run = await context.obtain(state, config);
      if (step.spec.requires_approval && !run.isResolved(step.id)) {
        const request = await run.approvalRequest(step.id);
        if (!("skipped" in request)) {
          const recorded = options.approveAll ? ({ action: "approve" } as const) : context.answers[step.id];
          if (recorded) run.answerApproval(step.id, recorded);
          else {
            // Let the rest of the plan go as far as it can before pausing the run.
            await run.whenIdle();
            const answer: unknown = interrupt({ step: step.id, tool: step.spec.tool, params: request.input, pending: run.pendingApprovals() });
            run.answerApproval(step.id, parseApprovalAnswer(answer, step.id));
          }
        }
      }
      run.demand(step.id);
      const iteration = passIteration(prepared, step.id, state);
      await run.whenSettled(step.id, iteration);
      return { [stepChannel(step.id)]: escapeForState(run.stepRecord(step.id, iteration)), ...(options.resultChannel ? resultUpdate(prepared, run, state, context.warnings) : {}) };
    }, { input: nodeInput(step.id) });
  }
  for (const decision of prepared.decisions.values()) {
    builder.addNode(decision.id, async (state: Record<string, unknown>, config: LangGraphRunnableConfig) => {
      const context = contextOf(config, prepared);
      context.allowTaskListeners(config.signal);
      context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
      const run = await context.obtain(state, config);
      const iteration = passIteration(prepared, decision.id, state);
      await run.whenSettled(decision.id, iteration);
      return { [decisionChannel(decision.id)]: run.decisionOutcome(decision.id, iteration), ...(options.resultChannel ? resultUpdate(prepared, run, state, context.warnings) : {}) };
    }, { input: nodeInput(decision.id) });
  }

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

  return builder.compile({
    ...(options.checkpointer ? { checkpointer: guardCheckpointer(options.checkpointer) } : {}),
    ...(options.name ? { name: options.name } : {}),
  });
}

/**
 * Which loop iteration a node's current pass belongs to. The scheduler may already be iterations
 * ahead; the graph's pass k is known from state: the loop decision's last record says it sent the
 * run back after iteration k-1.
 */
function passIteration(prepared: PreparedPlan, id: string, state: Record<string, unknown>): number {
  const loopId = prepared.loopOf.get(id);
  if (loopId === undefined) return 1;
  const loop = prepared.loops.get(loopId)!;
  const last = state[decisionChannel(loopId)] as DecisionOutcome | null | undefined;
  if (last?.status === "decided" && last.branch === loop.branch) return (last.iteration ?? 1) + 1;
  return 1;
}

export type { ApprovalAnswer, GraphRuntimeOptions };
