import { AsyncResource } from "node:async_hooks";
import { setMaxListeners } from "node:events";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { PreparedPlan } from "../analysis/prepare.js";
import { PlangraphError } from "../model/errors.js";
import { systemClock } from "../engine/clock.js";
import { PlanScheduler, type ApprovalAnswer, type RunEvent } from "../engine/scheduler.js";
import { startRunTelemetry, type RunMode, type RunTelemetry } from "../telemetry/index.js";
import { warmUpTools, type WarmUpReport } from "../tools/warm-up.js";
import { RUN_CONTEXT_KEY, RUN_ID_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { checkpointFailure, guardStore, type GuardedStore } from "./durable-guards.js";
import { graphCheckpointNamespace, readTaskChannels, runCheckpointer } from "./internals.js";
import type { GraphRuntimeOptions } from "./options.js";
import { seedFrom, type SchedulerSeed } from "./seed.js";
import { toStreamEvent } from "./stream-events.js";
import type { CallScope } from "../engine/call-scope.js";
import { planTools as allPlanTools } from "../analysis/sub-plan.js";

/** What the caller of a run (runPlan) hands its run context; the stream wrapper needs none of it. */
export interface RunContextInit {
  /** Cancels the run: every tool it started receives it. */
  signal?: AbortSignal;
  /** The caller's telemetry for the run: the context feeds it, the caller ends it. */
  telemetry?: RunTelemetry;
  /** The plan's tools were warmed up by the caller already (its warnings go into the result). */
  warmUp?: WarmUpReport;
  /** Who the run's tool calls are for and where they are audited (runPlan's caller). */
  scope?: CallScope;
  /** What the result must say about how the run was started (ignored identity fields of its config). */
  notes?: string[];
}

/**
 * Everything about one invocation of a plan graph: its scheduler, its event stream, its telemetry,
 * its guarded completion store. Created where the run starts (the caller, or the graph's stream
 * wrapper when the caller gave none) and carried to the nodes in `configurable`; never stored on
 * the graph, which many runs share.
 */
export class RunContext {
  /** Approval answers recorded ahead of the step's pause (resume --approve for a step not yet paused). */
  answers: Record<string, ApprovalAnswer> = {};
  /** The run's completion store, guarded: its failures are the run's (see {@link failure}). */
  readonly store: GuardedStore | undefined;
  private scheduler: PlanScheduler | undefined;
  private starting: Promise<PlanScheduler> | undefined;
  private writer: ((chunk: unknown) => void) | undefined;
  private readonly unsent: unknown[] = [];
  private origin: number | undefined;
  private claimed = false;
  private storeFailure: PlangraphError | undefined;
  private warmedUp: WarmUpReport | undefined;
  private ownTelemetry = false;
  private telemetryOf: RunTelemetry | undefined;

  constructor(
    readonly prepared: PreparedPlan,
    readonly options: GraphRuntimeOptions,
    private readonly init: RunContextInit = {},
  ) {
    this.telemetryOf = init.telemetry;
    this.warmedUp = init.warmUp;
    // A durable store is the run's exactly-once record: losing a write fails the run. A memory
    // store's lost write is a warning on the step (the engine's), since a crash loses it anyway.
    const store = options.store;
    this.store = store ? guardStore(store, (error) => (store.durable ? (this.storeFailure ??= error) : undefined)) : undefined;
  }

  get signal(): AbortSignal | undefined {
    return this.init.signal;
  }

  /** One context, one invocation: true the first time only. */
  claim(): boolean {
    if (this.claimed) return false;
    this.claimed = true;
    return true;
  }

  /** The first failure of the run's completion store, if any: the run must not report success. */
  get failure(): PlangraphError | undefined {
    return this.storeFailure;
  }

  /** Warm-up warnings and anything else the result must say about how the run was set up. */
  get warnings(): string[] {
    const warmUp = this.warmedUp?.warnings ?? [];
    return this.init.notes?.length ? [...warmUp, ...this.init.notes] : warmUp;
  }

  /** Warms up the plan's tools once, before the run's clock starts (no-op if the caller did). */
  async warmUp(): Promise<void> {
    this.warmedUp ??= await warmUpTools(planTools(this.prepared), this.signal);
  }

  /** Starts the run's own telemetry unless the caller brought one; true when this context owns it. */
  startTelemetry(mode: RunMode, threadId: string | undefined): boolean {
    if (this.telemetryOf) return this.ownTelemetry;
    this.telemetryOf = startRunTelemetry({
      prepared: this.prepared,
      clock: this.options.clock ?? systemClock,
      mode,
      ...(threadId ? { threadId } : {}),
      ...(this.options.telemetry !== undefined ? { telemetry: this.options.telemetry } : {}),
    });
    this.ownTelemetry = true;
    return true;
  }

  get telemetry(): RunTelemetry | undefined {
    return this.telemetryOf;
  }

  /**
   * A new run knows its whole state up front (empty), so its tools can start before LangGraph has
   * even prepared the first superstep.
   */
  startFresh(runId: string, startedAt: number): void {
    this.origin ??= startedAt;
    if (this.scheduler || this.starting) return;
    if (!this.store) {
      this.scheduler = this.createScheduler(runId, { steps: {}, decisions: {} });
      return;
    }
    // A run id given by the caller may already have completions: a run killed before LangGraph's
    // first checkpoint and started again under the same id reuses them instead of calling again.
    this.starting = this.store.load(runId).then((stored) => {
      this.answers = { ...stored.answers };
      this.scheduler ??= this.createScheduler(runId, { steps: stored.steps, decisions: stored.decisions });
      return this.scheduler;
    });
  }

  /** The run's scheduler, created on first use from what state (and the completion store) already hold. */
  async obtain(nodeState: Record<string, unknown>, config?: LangGraphRunnableConfig): Promise<PlanScheduler> {
    if (this.scheduler) return this.scheduler;
    if (this.starting) return this.starting;
    // Nodes read only a few channels; seeding a resumed run needs every record, read once here.
    const channels = [RUN_ID_CHANNEL, ...[...this.prepared.steps.keys()].map(stepChannel), ...[...this.prepared.decisions.keys()].map(decisionChannel)];
    const state = readTaskChannels(config, channels) ?? nodeState;
    const runId = typeof state[RUN_ID_CHANNEL] === "string" ? (state[RUN_ID_CHANNEL] as string) : "anonymous";
    const stored = this.store ? await this.store.load(runId) : undefined;
    const pending = await this.pendingWrites(config);
    // Two nodes of the first superstep may both get here; the first to finish loading wins.
    if (this.scheduler) return this.scheduler;
    this.answers = { ...stored?.answers };
    this.scheduler = this.createScheduler(runId, seedFrom(this.prepared, state, stored, pending));
    return this.scheduler;
  }

  /**
   * The checkpoint's pending writes for this graph (a resumed run), as [channel, value] pairs. A
   * checkpointer that cannot say fails the run: guessing "none" would re-run completed steps.
   */
  private async pendingWrites(config: LangGraphRunnableConfig | undefined): Promise<Array<[string, unknown]>> {
    const saver = this.options.checkpointer || runCheckpointer(config);
    const threadId = config?.configurable?.thread_id;
    if (!saver || threadId === undefined) return [];
    try {
      const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: graphCheckpointNamespace(config) } });
      return (tuple?.pendingWrites ?? []).map(([, channel, value]) => [String(channel), value] as [string, unknown]);
    } catch (error) {
      throw checkpointFailure("getTuple", error);
    }
  }

  private createScheduler(runId: string, seed: SchedulerSeed): PlanScheduler {
    const { options } = this;
    const telemetry = this.telemetryOf;
    telemetry?.identify(runId);
    const publish = (event: RunEvent) => {
      telemetry?.onEvent(event);
      this.publish(event);
      options.onEvent?.(event, runId);
    };
    const scheduler = new PlanScheduler({
      prepared: this.prepared,
      runId,
      clock: options.clock ?? systemClock,
      evaluateDecision: options.evaluateDecision,
      ...(options.strict ? { strict: true } : {}),
      ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
      ...(this.store ? { store: this.store } : {}),
      // A durable store is the run's record: a dependent starts only once what it read is on it,
      // so a crash can never leave a recorded step built on an unrecorded (re-run, maybe
      // different) result. SQLite commits before the write resolves; PostgreSQL costs a round trip.
      ...(this.store?.durable ? { durable: true } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.cacheTtlMs ? { cacheTtlMs: options.cacheTtlMs } : {}),
      seed,
      ...(options.lazy ? { lazy: true } : {}),
      ...(options.failFast ? { failFast: true } : {}),
      ...(this.init.scope ? { scope: this.init.scope } : {}),
      onEvent: publish,
    });
    scheduler.start();
    return scheduler;
  }

  /** Epoch ms the run started, once known (the origin of its timings). */
  get startedAt(): number | undefined {
    return this.origin;
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

/** The run context a plan node runs in; a node of `prepared`'s graph outside its stream is our bug. */
export function contextOf(config: LangGraphRunnableConfig, prepared: PreparedPlan): RunContext {
  const context = config.configurable?.[RUN_CONTEXT_KEY];
  if (!(context instanceof RunContext) || context.prepared !== prepared) {
    throw new PlangraphError("INTERNAL", "a plan node ran outside its graph's stream(); invoke the compiled plan graph itself");
  }
  return context;
}

/** The distinct LangChain tools a plan's steps call. */
function planTools(prepared: PreparedPlan) {
  return allPlanTools(prepared);
}

export { toStreamEvent };
