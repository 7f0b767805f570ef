import { AsyncResource } from "node:async_hooks";
import { setMaxListeners } from "node:events";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { PreparedPlan } from "../analysis/prepare.js";
import { PlangraphError } from "../model/errors.js";
import { systemClock } from "../engine/clock.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { PlanScheduler, type ApprovalAnswer, type RunEvent } from "../engine/scheduler.js";
import { RUN_CONTEXT_KEY, RUN_ID_CHANNEL, channelOwner, decisionChannel, stepChannel } from "./channels.js";
import type { GraphRuntimeOptions } from "./graph.js";
import { unescapeFromState } from "./state-escape.js";

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
  async obtain(nodeState: Record<string, unknown>, config?: LangGraphRunnableConfig): Promise<PlanScheduler> {
    if (this.scheduler) return this.scheduler;
    if (this.starting) return this.starting;
    const state = this.readState(config) ?? nodeState;
    const runId = typeof state[RUN_ID_CHANNEL] === "string" ? (state[RUN_ID_CHANNEL] as string) : "anonymous";
    const seed = { steps: {} as Record<string, StepRecord>, decisions: {} as Record<string, DecisionOutcome> };
    const stored = this.options.store ? await this.options.store.load(runId) : undefined;
    const pending = await this.pendingWrites(config);
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
    // Nodes that finished in the superstep a crash interrupted are not re-run by LangGraph: their
    // writes are pending in the checkpoint, and their tools must not be called again either.
    for (const [channel, value] of pending) {
      if (!value) continue;
      const owner = channelOwner(channel);
      if (owner?.kind === "step" && this.prepared.steps.has(owner.id)) seed.steps[owner.id] ??= value as StepRecord;
      if (owner?.kind === "decision" && this.prepared.decisions.has(owner.id)) seed.decisions[owner.id] ??= value as DecisionOutcome;
    }
    for (const id of Object.keys(seed.steps)) seed.steps[id] = unescapeFromState(seed.steps[id]) as StepRecord;
    this.scheduler = this.createScheduler(runId, seed);
    return this.scheduler;
  }

  /**
   * The whole state as the current superstep sees it. Nodes read only a few channels; seeding a
   * resumed run needs every step's record, read here once per run through the task's channel reader.
   */
  private readState(config: LangGraphRunnableConfig | undefined): Record<string, unknown> | undefined {
    const read = config?.configurable?.["__pregel_read"] as ((select: string[], fresh?: boolean) => Record<string, unknown>) | undefined;
    if (typeof read !== "function") return undefined;
    const channels = [RUN_ID_CHANNEL, ...[...this.prepared.steps.keys()].map(stepChannel), ...[...this.prepared.decisions.keys()].map(decisionChannel)];
    try {
      return read(channels, false);
    } catch {
      return undefined;
    }
  }

  /** The checkpoint's pending writes for this thread (a resumed run), as [channel, value] pairs. */
  private async pendingWrites(config: LangGraphRunnableConfig | undefined): Promise<Array<[string, unknown]>> {
    const saver = this.options.checkpointer;
    const threadId = config?.configurable?.thread_id;
    if (!saver || threadId === undefined) return [];
    try {
      // A node's checkpoint_ns names its own task ("node:task-id", nested with "|"); the graph's
      // checkpoint is one level up.
      const taskNs = String(config?.configurable?.checkpoint_ns ?? "");
      const graphNs = taskNs.split("|").slice(0, -1).join("|");
      const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: graphNs } });
      return (tuple?.pendingWrites ?? []).map(([, channel, value]) => [String(channel), value] as [string, unknown]);
    } catch {
      return [];
    }
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
    // LangGraph's writer takes the stream namespace from the async context it is called in; events
    // of eagerly launched tools come from the context of `stream()`, which for a subgraph is the
    // parent's. Calling it in this node's context keeps them in the subgraph's namespace.
    this.writer = AsyncResource.bind(writer);
    for (const chunk of this.unsent.splice(0)) this.writer(chunk);
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

export function contextOf(config: LangGraphRunnableConfig): RunContext {
  const context = config.configurable?.[RUN_CONTEXT_KEY];
  if (!(context instanceof RunContext)) {
    throw new PlangraphError("INTERNAL", "a plan node ran outside its graph's stream(); invoke the compiled plan graph itself");
  }
  return context;
}

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
