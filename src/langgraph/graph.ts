import { randomUUID } from "node:crypto";
import { Annotation, END, START, StateGraph, interrupt, isCommand, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { IterableReadableStream } from "@langchain/core/utils/stream";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { Clock } from "../engine/clock.js";
import { systemClock } from "../engine/clock.js";
import type { CompletionStore } from "../durability/completion-store.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { PlanScheduler, type ApprovalAnswer, type DecisionEvaluator, type RunEvent } from "../engine/scheduler.js";
import { RESULT_CHANNEL, RUN_CONTEXT_KEY, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { assembleResult, type RunResult } from "../engine/result.js";
import { RunContext, contextOf } from "./run-context.js";
import { planWiring } from "./wiring.js";
import { escapeForState } from "./state-escape.js";
import { parseApprovalAnswer } from "./approval.js";
import type { StepCache } from "../engine/step-cache.js";

export interface GraphRuntimeOptions {
  evaluateDecision: DecisionEvaluator;
  clock?: Clock;
  strict?: boolean;
  maxConcurrency?: number;
  store?: CompletionStore;
  checkpointer?: BaseCheckpointSaver | false;
  /** Called for every scheduler event of every run of this graph. */
  onEvent?: (event: RunEvent, runId: string) => void;
  name?: string;
  cache?: StepCache;
  cacheTtlMs?: number;
  /** Plain LangGraph timing: each tool starts only when its node runs (benchmarks, comparisons). */
  lazy?: boolean;
  /**
   * Keep the run's result (docs/RESULT-FORMAT.md) in a `result` state channel, updated by every node, so a
   * client of the LangGraph server reads the result straight from the run's output. Costs O(steps)
   * per node: off for library and CLI runs, which assemble the result once at the end.
   */
  resultChannel?: boolean;
  /** Approve every step that asks for approval, without pausing (no human in the loop). */
  approveAll?: boolean;
  failFast?: boolean;
}

/** The compiled LangGraph graph of a plan, with the prepared plan attached for callers. */
export type PlanGraph = ReturnType<typeof buildStateGraph>["compiled"] & {
  prepared: PreparedPlan;
  /** The context of the most recent run started through this object in this process (for result assembly). */
  lastRun?: RunContext;
};

function buildStateGraph(prepared: PreparedPlan, options: GraphRuntimeOptions) {
  const spec: Record<string, ReturnType<typeof Annotation<unknown>>> = {
    [RUN_ID_CHANNEL]: Annotation<unknown>(),
    [STARTED_AT_CHANNEL]: Annotation<unknown>(),
  };
  if (options.resultChannel) {
    // Writes from one superstep land in any order: keep the most complete; null starts a new run.
    spec[RESULT_CHANNEL] = Annotation<unknown>({
      reducer: (current: unknown, next: unknown) => {
        if (next === null) return null;
        const resolved = (r: unknown) => (r as { resolved?: number } | null)?.resolved ?? -1;
        return resolved(next) >= resolved(current) ? next : current;
      },
      default: () => null,
    }) as never;
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
      const context = contextOf(config);
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
      return { [stepChannel(step.id)]: escapeForState(run.stepRecord(step.id, iteration)), ...resultUpdate(prepared, options, run, state) };
    }, { input: nodeInput(step.id) });
  }
  for (const decision of prepared.decisions.values()) {
    builder.addNode(decision.id, async (state: Record<string, unknown>, config: LangGraphRunnableConfig) => {
      const context = contextOf(config);
      context.allowTaskListeners(config.signal);
      context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
      const run = await context.obtain(state, config);
      const iteration = passIteration(prepared, decision.id, state);
      await run.whenSettled(decision.id, iteration);
      return { [decisionChannel(decision.id)]: run.decisionOutcome(decision.id, iteration), ...resultUpdate(prepared, options, run, state) };
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

  const compiled = builder.compile({
    ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}),
    ...(options.name ? { name: options.name } : {}),
  });
  return { compiled };
}

/**
 * Compiles a prepared plan into a LangGraph graph: one node per step and decision, one waiting
 * edge per node, conditional edges for decisions, a state channel per step. Runs of the graph
 * get their own eager scheduler through `stream` (which `invoke` and `streamEvents` use too).
 */
export function buildPlanGraph(prepared: PreparedPlan, options: GraphRuntimeOptions): PlanGraph {
  const { compiled } = buildStateGraph(prepared, options);
  const graph = compiled as PlanGraph;
  graph.prepared = prepared;
  const originalStream = compiled.stream.bind(compiled) as (input: unknown, options?: Record<string, unknown>) => Promise<AsyncIterable<unknown>>;
  (graph as unknown as { stream: unknown }).stream = async (input: unknown, callOptions: Record<string, unknown> = {}) => {
    const signal = callOptions.signal as AbortSignal | undefined;
    const context = new RunContext(prepared, options, signal);
    graph.lastRun = context;
    const configurable = { ...(callOptions.configurable as Record<string, unknown> | undefined), [RUN_CONTEXT_KEY]: context };
    const runInput = freshRunInput(input, prepared, options.clock ?? systemClock, options);
    // A subgraph whose parent resumes gets the parent's state as input, which LangGraph ignores if
    // the subgraph has a checkpoint: then the scheduler must come from that state, not start afresh.
    const parentResuming = (callOptions.configurable as Record<string, unknown> | undefined)?.["__pregel_resuming"] === true;
    if (runInput !== input && !parentResuming) {
      const fresh = runInput as Record<string, unknown>;
      context.startFresh(fresh[RUN_ID_CHANNEL] as string, fresh[STARTED_AT_CHANNEL] as number);
    }
    const stream = await originalStream(runInput, { ...callOptions, configurable });
    return IterableReadableStream.fromAsyncGenerator(
      (async function* () {
        let finished = false;
        try {
          for await (const chunk of stream) yield chunk;
          finished = true;
        } finally {
          const scheduler = context.current;
          if (scheduler) {
            const done = finished && scheduler.pendingApprovals().length === 0;
            // Tools launched ahead of nodes that will not run now (error, cancel) must stop too.
            if (!finished) scheduler.abort();
            if (done && options.store) await options.store.discard(scheduler.runId).catch(() => undefined);
          }
        }
      })(),
    );
  };
  return graph;
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

/** The `result` channel's update: the run's result as far as this run has got. */
function resultUpdate(prepared: PreparedPlan, options: GraphRuntimeOptions, run: PlanScheduler, state: Record<string, unknown>): Record<string, unknown> {
  if (!options.resultChannel) return {};
  const steps = new Map<string, StepRecord>();
  const decisions = new Map<string, DecisionOutcome>();
  for (const id of prepared.steps.keys()) {
    const record = run.stepRecord(id);
    if (record) steps.set(id, record);
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = run.decisionOutcome(id);
    if (outcome) decisions.set(id, outcome);
  }
  const origin = typeof state[STARTED_AT_CHANNEL] === "number" ? (state[STARTED_AT_CHANNEL] as number) : 0;
  const result: RunResult & { resolved: number } = { ...assembleResult({ prepared, steps, decisions, origin, ...(options.strict ? { strict: true } : {}) }), resolved: steps.size + decisions.size };
  // Steps still unresolved (behind a pending approval) are not "skipped" yet.
  result.skipped = result.skipped.filter((id) => steps.has(id));
  if (result.skipped.length + Object.keys(result.results).length + Object.keys(result.errors).length < prepared.steps.size && result.status === "completed") {
    result.status = run.pendingApprovals().length ? "interrupted" : result.status;
  }
  return { [RESULT_CHANNEL]: escapeForState(result) };
}

/**
 * A new run (any input but a resume) gets a fresh run id and start time, and clears the records of
 * an earlier run on the same thread so they are not mistaken for this run's.
 */
function freshRunInput(input: unknown, prepared: PreparedPlan, clock: Clock, options: GraphRuntimeOptions): unknown {
  if (input === null || input === undefined || isCommand(input)) return input;
  const given = typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const reset: Record<string, unknown> = {};
  for (const id of prepared.steps.keys()) reset[stepChannel(id)] = null;
  for (const id of prepared.decisions.keys()) reset[decisionChannel(id)] = null;
  if (options.resultChannel) reset[RESULT_CHANNEL] = null;
  return {
    ...reset,
    [RUN_ID_CHANNEL]: typeof given[RUN_ID_CHANNEL] === "string" ? given[RUN_ID_CHANNEL] : randomUUID(),
    [STARTED_AT_CHANNEL]: clock.now(),
  };
}

export type { ApprovalAnswer };

export { RunContext, toStreamEvent } from "./run-context.js";
