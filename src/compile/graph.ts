import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { Annotation, END, START, StateGraph, interrupt, isCommand, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { IterableReadableStream } from "@langchain/core/utils/stream";
import type { PreparedPlan } from "../analysis/prepare.js";
import { PlangraphError } from "../errors.js";
import type { Clock } from "../runtime/clock.js";
import { systemClock } from "../runtime/clock.js";
import type { CompletionStore } from "../runtime/completion-store.js";
import type { DecisionOutcome, StepRecord } from "../runtime/records.js";
import { PlanScheduler, type ApprovalAnswer, type DecisionEvaluator, type RunEvent } from "../runtime/scheduler.js";
import { RESULT_CHANNEL, RUN_CONTEXT_KEY, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { assembleResult, type RunResult } from "../runtime/result.js";
import { planWiring } from "./wiring.js";
import { parseApprovalAnswer } from "./approval.js";
import type { StepCache } from "../runtime/step-cache.js";

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
   * Keep the contract's result object in a `result` state channel, updated by every node, so a
   * client of the LangGraph server reads the result straight from the run's output. Costs O(steps)
   * per node: off for library and CLI runs, which assemble the result once at the end.
   */
  resultChannel?: boolean;
  /** Approve every step that asks for approval, without pausing (no human in the loop). */
  approveAll?: boolean;
  failFast?: boolean;
}

/** Per-run state shared by the nodes of one run: created by the graph's `stream`, never shared across runs. */
export class RunContext {
  private scheduler: PlanScheduler | undefined;
  /** Approval answers recorded ahead of the step's pause (resume --approve for a step not yet paused). */
  answers: Record<string, ApprovalAnswer> = {};
  private writer: ((chunk: unknown) => void) | undefined;
  private readonly unsent: unknown[] = [];
  private origin: number | undefined;
  constructor(
    readonly prepared: PreparedPlan,
    readonly options: GraphRuntimeOptions,
    readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * A new run knows its whole state up front (empty), so its tools can start before LangGraph has
   * even prepared the first superstep.
   */
  startFresh(runId: string, startedAt: number): void {
    this.origin ??= startedAt;
    if (this.scheduler || this.starting) return;
    const store = this.options.store;
    if (!store) {
      this.scheduler = this.createScheduler(runId, { steps: {}, decisions: {} });
      return;
    }
    // A run id given by the caller may already have completions: a run killed before LangGraph's
    // first checkpoint and started again under the same id reuses them instead of calling again.
    this.starting = store.load(runId).then((stored) => {
      this.answers = { ...stored.answers };
      this.scheduler ??= this.createScheduler(runId, { steps: stored.steps, decisions: stored.decisions });
      return this.scheduler;
    });
  }

  private starting: Promise<PlanScheduler> | undefined;

  /** The run's scheduler, created on first use from what state (and the completion store) already hold. */
  async obtain(state: Record<string, unknown>): Promise<PlanScheduler> {
    if (this.scheduler) return this.scheduler;
    if (this.starting) return this.starting;
    const runId = typeof state[RUN_ID_CHANNEL] === "string" ? (state[RUN_ID_CHANNEL] as string) : "anonymous";
    const seed = { steps: {} as Record<string, StepRecord>, decisions: {} as Record<string, DecisionOutcome> };
    const stored = this.options.store ? await this.options.store.load(runId) : undefined;
    // Two nodes of the first superstep may both get here; the first to finish loading wins.
    if (this.scheduler) return this.scheduler;
    this.answers = { ...stored?.answers };
    Object.assign(seed.steps, stored?.steps);
    Object.assign(seed.decisions, stored?.decisions);
    for (const id of this.prepared.steps.keys()) {
      const record = state[stepChannel(id)] as StepRecord | null | undefined;
      if (record) seed.steps[id] = record;
    }
    for (const id of this.prepared.decisions.keys()) {
      const outcome = state[decisionChannel(id)] as DecisionOutcome | null | undefined;
      if (outcome) seed.decisions[id] = outcome;
    }
    this.scheduler = this.createScheduler(runId, seed);
    return this.scheduler;
  }

  private createScheduler(runId: string, seed: { steps: Record<string, StepRecord>; decisions: Record<string, DecisionOutcome> }): PlanScheduler {
    const onEvent = this.options.onEvent;
    const publish = (event: RunEvent) => {
      this.publish(event);
      onEvent?.(event, runId);
    };
    const scheduler = new PlanScheduler({
      prepared: this.prepared,
      runId,
      clock: this.options.clock ?? systemClock,
      evaluateDecision: this.options.evaluateDecision,
      ...(this.options.strict ? { strict: true } : {}),
      ...(this.options.maxConcurrency ? { maxConcurrency: this.options.maxConcurrency } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
      ...(this.options.store ? { store: this.options.store } : {}),
      ...(this.options.cache ? { cache: this.options.cache } : {}),
      ...(this.options.cacheTtlMs ? { cacheTtlMs: this.options.cacheTtlMs } : {}),
      seed,
      ...(this.options.lazy ? { lazy: true } : {}),
      ...(this.options.failFast ? { failFast: true } : {}),
      onEvent: publish,
    });
    scheduler.start();
    return scheduler;
  }

  /**
   * Step events go to LangGraph's `custom` stream mode, so a chat UI sees each step start and
   * finish as it happens. Events from before the first node (eager starts) wait for its writer.
   */
  attachWriter(writer: ((chunk: unknown) => void) | undefined, origin: unknown): void {
    if (typeof origin === "number" && this.origin === undefined) this.origin = origin;
    if (!writer || this.writer) return;
    this.writer = writer;
    for (const chunk of this.unsent.splice(0)) writer(chunk);
  }

  private publish(event: RunEvent): void {
    const chunk = toStreamEvent(event, this.origin);
    if (this.writer) this.writer(chunk);
    else if (this.unsent.length < 10_000) this.unsent.push(chunk);
  }

  /**
   * LangGraph gives every task of a superstep one shared, per-superstep abort signal, and
   * @langchain/core's RunnableSequence adds one "abort" listener to it per running task
   * (`raceWithSignal`), removed when the task ends. More than ten parallel nodes therefore trip
   * Node's MaxListenersExceededWarning although nothing leaks. A function node is called
   * synchronously just before its task's listener is added, so the first node of a superstep
   * lifts the cap on that signal to what the graph can legitimately hold: one per node, plus the
   * default's headroom. The caller's own signal is never touched.
   */
  allowTaskListeners(signal: AbortSignal | undefined): void {
    if (signal && signal !== this.signal) setMaxListeners(this.prepared.order.length + 10, signal);
  }

  /** The scheduler if the run got far enough to create one. */
  get current(): PlanScheduler | undefined {
    return this.scheduler;
  }
}

function contextOf(config: LangGraphRunnableConfig): RunContext {
  const context = config.configurable?.[RUN_CONTEXT_KEY];
  if (!(context instanceof RunContext)) {
    throw new PlangraphError("INTERNAL", "a plan node ran outside its graph's stream(); invoke the compiled plan graph itself");
  }
  return context;
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
  // The graph's node names are the plan's ids: not known to the type system, hence the casts below.
  const builder = new StateGraph(State) as unknown as StateGraph<typeof State.spec, Record<string, unknown>, Record<string, unknown>, string>;

  for (const step of prepared.steps.values()) {
    builder.addNode(step.id, async (state: Record<string, unknown>, config: LangGraphRunnableConfig) => {
      const context = contextOf(config);
      context.allowTaskListeners(config.signal);
      context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
      const run = await context.obtain(state);
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
      return { [stepChannel(step.id)]: run.stepRecord(step.id, iteration), ...resultUpdate(prepared, options, run, state) };
    });
  }
  for (const decision of prepared.decisions.values()) {
    builder.addNode(decision.id, async (state: Record<string, unknown>, config: LangGraphRunnableConfig) => {
      const context = contextOf(config);
      context.allowTaskListeners(config.signal);
      context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
      const run = await context.obtain(state);
      const iteration = passIteration(prepared, decision.id, state);
      await run.whenSettled(decision.id, iteration);
      return { [decisionChannel(decision.id)]: run.decisionOutcome(decision.id, iteration), ...resultUpdate(prepared, options, run, state) };
    });
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

/** The `result` channel's update: the contract result as far as this run has got. */
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
  const result: RunResult & { resolved: number } = { ...assembleResult({ prepared, steps, decisions, origin }), resolved: steps.size + decisions.size };
  // Steps still unresolved (behind a pending approval) are not "skipped" yet.
  result.skipped = result.skipped.filter((id) => steps.has(id));
  if (result.skipped.length + Object.keys(result.results).length + Object.keys(result.errors).length < prepared.steps.size && result.status === "completed") {
    result.status = run.pendingApprovals().length ? "interrupted" : result.status;
  }
  return { [RESULT_CHANNEL]: result };
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

/**
 * The `custom` stream chunk for a scheduler event: `{ plangraph: "step_start" | "step_end" |
 * "decision" | "approval_needed" | "cache_hit", ... , at_ms }` with times from the run's start.
 */
export function toStreamEvent(event: RunEvent, origin: number | undefined): Record<string, unknown> {
  const rel = (t: number | undefined) => (t === undefined || origin === undefined ? undefined : Math.round((t - origin) * 1000) / 1000);
  switch (event.type) {
    case "step_start":
      return { plangraph: "step_start", step: event.step, tool: event.tool, attempt: event.attempt, at_ms: rel(event.at), waited_ms: Math.round((event.at - event.ready_at) * 1000) / 1000 };
    case "step_end":
      return {
        plangraph: "step_end",
        step: event.step,
        status: event.record.status,
        start_ms: rel(event.record.started_at),
        end_ms: rel(event.record.ended_at),
        attempts: event.record.attempts,
        ...(event.record.error ? { error: event.record.error } : {}),
        ...(event.record.reason ? { reason: event.record.reason } : {}),
      };
    case "decision":
      return { plangraph: "decision", decision: event.decision, ...event.outcome, at_ms: rel(event.outcome.decided_at) };
    case "approval_needed":
      return { plangraph: "approval_needed", step: event.step, tool: event.tool, params: event.params };
    case "cache_hit":
      return { plangraph: "cache_hit", step: event.step, tool: event.tool, at_ms: rel(event.at) };
  }
}
