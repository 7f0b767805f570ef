import { randomUUID } from "node:crypto";
import { isCommand, isGraphInterrupt } from "@langchain/langgraph";
import { IterableReadableStream } from "@langchain/core/utils/stream";
import { context as otelContext } from "@opentelemetry/api";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { CompletionStore } from "../durability/completion-store.js";
import { systemClock, type Clock } from "../engine/clock.js";
import { describeError, PlangraphError } from "../model/errors.js";
import { RESULT_CHANNEL, RUN_CONTEXT_KEY, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { isParentResuming } from "./internals.js";
import type { GraphRuntimeOptions } from "./options.js";
import { RunContext, type RunContextInit } from "./run-context.js";
import { resultFromRun } from "./run-result.js";
import { identityConfigWarnings } from "../engine/call-scope.js";

type StreamOptions = Record<string, unknown> & { configurable?: Record<string, unknown>; signal?: AbortSignal; recursionLimit?: number };
type StreamFn = (input: unknown, options?: StreamOptions) => Promise<AsyncIterable<unknown>>;

// What each plan graph was compiled with, for callers that create their run's context themselves.
// Keyed by the graph, holding nothing about any run.
const bindings = new WeakMap<object, { prepared: PreparedPlan; options: GraphRuntimeOptions }>();

/**
 * A run context for one invocation of a plan graph, created by the caller (runPlan) and passed in
 * `configurable` under {@link RUN_CONTEXT_KEY}: the caller then reads the run's scheduler from it.
 */
export function createRunContext(graph: object, init: RunContextInit = {}): RunContext {
  const binding = bindings.get(graph);
  if (!binding) throw new PlangraphError("INTERNAL", "createRunContext needs a graph made by compilePlan / buildPlanGraph");
  return new RunContext(binding.prepared, binding.options, init);
}

/** The LangGraph config entries that hand a run context to the graph's stream wrapper. */
export function withRunContext(config: Record<string, unknown>, context: RunContext): Record<string, unknown> {
  return { ...config, configurable: { ...(config.configurable as Record<string, unknown> | undefined), [RUN_CONTEXT_KEY]: context } };
}

/** Supersteps a run of the plan needs (every node once per loop iteration, plus slack). */
export function recursionFloor(prepared: PreparedPlan): number {
  const loops = [...prepared.decisions.values()].reduce((n, d) => n + (d.spec.max_iterations ?? 0), 0);
  return (prepared.order.length + 2) * (loops + 1) + 10;
}

/**
 * Replaces the graph's `stream` — the one entry of every run (`invoke`, `streamEvents` and parent
 * graphs call it) — with a wrapper that gives each invocation its own run context: the caller's
 * if it brought one for this graph, a new one otherwise. For a fresh run it warms the tools up,
 * then starts the clock and the scheduler; it starts the run's telemetry when the caller has none,
 * applies the plan's recursion floor (LangGraph's default of 25 supersteps, which the server
 * passes explicitly, is below what a long plan needs), and when the run stops it cancels tools
 * still in flight, fails the run on a lost completion, and clears the completion store.
 */
export function bindRunStream(graph: object, prepared: PreparedPlan, options: GraphRuntimeOptions): void {
  bindings.set(graph, { prepared, options });
  const target = graph as { stream: StreamFn };
  const originalStream = target.stream.bind(graph);
  const floor = recursionFloor(prepared);
  const clock = options.clock ?? systemClock;
  target.stream = async (input, callOptions = {}) => {
    const given = callOptions.configurable?.[RUN_CONTEXT_KEY];
    const callers = given instanceof RunContext && given.prepared === prepared && given.claim();
    const context = callers ? given : ownContext(prepared, options, callOptions);
    const parentResuming = isParentResuming(callOptions.configurable);
    const fresh = !parentResuming && isFreshInput(input);
    if (fresh) await context.warmUp();
    const owns = context.startTelemetry(options.lazy ? "lazy" : "eager", threadOf(callOptions));
    const runInput = freshRunInput(input, prepared, clock, options);
    // A subgraph whose parent resumes gets the parent's state as input, which LangGraph ignores if
    // the subgraph has a checkpoint: then the scheduler must come from that state, not start afresh.
    if (runInput !== input && !parentResuming) {
      const start = runInput as Record<string, unknown>;
      context.startFresh(start[RUN_ID_CHANNEL] as string, start[STARTED_AT_CHANNEL] as number);
    }
    const config = {
      ...callOptions,
      configurable: { ...callOptions.configurable, [RUN_CONTEXT_KEY]: context },
      recursionLimit: Math.max(typeof callOptions.recursionLimit === "number" ? callOptions.recursionLimit : 0, floor),
    };
    let stream: AsyncIterable<unknown>;
    try {
      stream = await otelContext.with(context.telemetry?.context ?? otelContext.active(), () => originalStream(runInput, config));
    } catch (error) {
      await finishRun(context, options, { owns, callers }, { kind: "error", error });
      throw error;
    }
    return IterableReadableStream.fromAsyncGenerator(followRun(stream, context, options, { owns, callers }));
  };
}

function ownContext(prepared: PreparedPlan, options: GraphRuntimeOptions, callOptions: StreamOptions): RunContext {
  const { signal } = callOptions;
  // A run the graph starts itself (the LangGraph server) is for whoever `callerOf` says: the auth
  // layer's verified user, never a field the client wrote. Without it, tools get no caller.
  const caller = options.callerOf?.(callOptions.configurable);
  const threadId = threadOf(callOptions);
  const scope = caller ? { scope: { caller, ...(threadId ? { threadId } : {}) } } : {};
  const notes = identityConfigWarnings(callOptions.configurable, options.callerOf !== undefined, caller);
  const context = new RunContext(prepared, options, { ...(signal ? { signal } : {}), ...scope, ...(notes.length ? { notes } : {}) });
  context.claim();
  return context;
}

/** Who holds what: the context's telemetry (`owns`), the context itself (`callers`: the caller's). */
interface Ownership {
  owns: boolean;
  callers: boolean;
}

async function* followRun(stream: AsyncIterable<unknown>, context: RunContext, options: GraphRuntimeOptions, ownership: Ownership): AsyncGenerator<unknown> {
  let end: RunEnd = { kind: "left" };
  try {
    for await (const chunk of stream) yield chunk;
    end = { kind: "done" };
  } catch (error) {
    end = { kind: "error", error };
    throw error;
  } finally {
    await finishRun(context, options, ownership, end);
  }
  // Every node reported, but a completion the store lost is not on record: the run has failed.
  if (context.failure) throw context.failure;
}

type RunEnd = { kind: "done" } | { kind: "left" } | { kind: "error"; error: unknown };

async function finishRun(context: RunContext, options: GraphRuntimeOptions, { owns, callers }: Ownership, end: RunEnd): Promise<void> {
  const scheduler = context.current;
  // Tools launched ahead of nodes that will not run now (error, cancel) must stop too — unless the
  // caller holds the context: it decides (runPlan lets them finish before a fallback reuses them).
  if (scheduler && end.kind !== "done" && !callers) scheduler.abort();
  await context.store?.settled();
  const failure = end.kind === "error" ? end.error : context.failure;
  const finished = end.kind === "done" && !failure && scheduler !== undefined && scheduler.pendingApprovals().length === 0;
  if (finished && options.store) await discardCompletions(options.store, scheduler.runId);
  if (!owns || !context.telemetry) return;
  if (failure && !isGraphInterrupt(failure)) context.telemetry.fail(failure);
  else context.telemetry.end(resultFromRun(context.prepared, scheduler, {}, { ...(context.startedAt !== undefined ? { startedAt: context.startedAt } : {}), warnings: context.warnings }));
}

/**
 * Clears the completions the checkpoint now holds. The run has succeeded and its result is being
 * read, so a failure does not fail it (the rows left behind are keyed by this run id, which a later
 * run ignores); it is a process warning (PLANGRAPH_STORE_DISCARD), so stale rows are not silent.
 */
async function discardCompletions(store: CompletionStore, runId: string): Promise<void> {
  try {
    await store.discard(runId);
  } catch (error) {
    process.emitWarning(`run ${runId} finished, but clearing its completions from the store failed (stale rows remain, ignored by later runs): ${describeError(error)}`, {
      code: "PLANGRAPH_STORE_DISCARD",
    });
  }
}

function threadOf(options: StreamOptions): string | undefined {
  const thread = options.configurable?.thread_id;
  return typeof thread === "string" ? thread : undefined;
}

/** Any input but a resume (null, or a Command) starts a new run. */
function isFreshInput(input: unknown): boolean {
  return input !== null && input !== undefined && !isCommand(input);
}

/**
 * A new run gets a fresh run id and start time, and clears the records of an earlier run on the
 * same thread so they are not mistaken for this run's.
 */
function freshRunInput(input: unknown, prepared: PreparedPlan, clock: Clock, options: GraphRuntimeOptions): unknown {
  if (!isFreshInput(input)) return input;
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
