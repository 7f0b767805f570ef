import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { Command, isGraphInterrupt } from "@langchain/langgraph";
import { preparePlan, type PreparedPlan } from "../analysis/prepare.js";
import { buildPlanGraph, type PlanGraph } from "../langgraph/graph.js";
import { RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "../langgraph/channels.js";
import { unescapeFromState } from "../langgraph/state-escape.js";
import { describeError, isPlangraphError, PlangraphError } from "../model/errors.js";
import { resolveLimits, type PlanLimitsInput } from "../plan/limits.js";
import { createToolRegistry, type ToolRegistry } from "../tools/registry.js";
import { systemClock, type Clock } from "../engine/clock.js";
import { MemoryCompletionStore, type CompletionStore } from "../durability/completion-store.js";
import { createDecisionEvaluator } from "../engine/decisions.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { assembleResult, type PendingApproval, type RunResult } from "../engine/result.js";
import { PlanScheduler, type ApprovalAnswer, type DecisionEvaluator, type RunEvent } from "../engine/scheduler.js";
import { defaultStepCache, type StepCache } from "../engine/step-cache.js";
import { startRunTelemetry, type RunMode, type TelemetryOptions } from "../telemetry/index.js";

/** Options shared by `compilePlan` and `runPlan`. */
export interface PlanOptions {
  /** Extra LangChain tools, added to the built-ins (and replacing same-named ones). */
  tools?: StructuredToolInterface[];
  /** A registry to use instead of built-ins + `tools`. */
  registry?: ToolRegistry;
  limits?: PlanLimitsInput;
  /** Chat model for `question` decisions; `null` for none. Defaults to the environment's (OPENAI_API_KEY). */
  chatModel?: BaseChatModel | null;
  /** Replace decision evaluation entirely (tests, custom policies). */
  evaluateDecision?: DecisionEvaluator;
  /** A missing reference fails the step instead of becoming null with a warning. */
  strict?: boolean;
  /** At most this many tool calls at once. */
  maxConcurrency?: number;
  clock?: Clock;
  checkpointer?: BaseCheckpointSaver;
  store?: CompletionStore;
  onEvent?: (event: RunEvent) => void;
  /** Cache for steps that opt in (`"cache": true | { ttl_ms }`); defaults to a process-wide memory cache. */
  cache?: StepCache;
  /** Opt every side-effect-free step of the run into caching, for this many ms. */
  cacheTtlMs?: number;
  /** Plain LangGraph superstep timing (no eager launch): for benchmarks and comparisons only. */
  lazy?: boolean;
  /** Keep the contract's result in a `result` state channel (graphs served by the LangGraph server). */
  resultChannel?: boolean;
  /** Stop the run at the first failed step, aborting tools in flight (default: independent steps go on). */
  failFast?: boolean;
}

export interface RunPlanOptions extends PlanOptions {
  /** Legacy mode: one step at a time in dependency order (plan order among ready steps). */
  sequential?: boolean;
  /** The seed's feature flag: false runs the flat legacy executor without LangGraph. */
  enableOrchestration?: boolean;
  /** Checkpoint thread (with `checkpointer`). */
  threadId?: string;
  signal?: AbortSignal;
  /** Approve every step that asks for approval (no human in the loop). */
  approveAll?: boolean;
  /**
   * Continue the thread's run instead of starting a new one: `null` continues a killed run from its
   * last checkpoint; any other value is the resume value for pending approvals (see approval.ts).
   */
  resume?: unknown;
  /** The id of a new run (default: a random UUID); reusing one reuses its stored completions. */
  runId?: string;
  /**
   * OpenTelemetry spans and metrics for the run (a no-op until an SDK is registered):
   * `false` turns them off, an object picks the tracer / meter providers. See docs/TRACING.md.
   */
  telemetry?: boolean | TelemetryOptions;
}

/** Prepares a plan (every compile-time check) and compiles it into a LangGraph graph. */
export function compilePlan(plan: unknown, options: PlanOptions = {}): PlanGraph {
  const prepared = prepare(plan, options);
  return graphFor(prepared, options);
}

/** Runs a plan to the end (or to an approval pause) and returns the contract's result. */
export async function runPlan(plan: unknown, options: RunPlanOptions = {}): Promise<RunResult> {
  const prepared = prepare(plan, options);
  const telemetry = startRunTelemetry({
    prepared,
    clock: options.clock ?? systemClock,
    mode: runMode(options),
    ...(options.threadId ? { threadId: options.threadId } : {}),
    ...(options.telemetry !== undefined ? { telemetry: options.telemetry } : {}),
  });
  return telemetry.trace(() => runPrepared(prepared, { ...options, onEvent: telemetry.observe(options.onEvent) }));
}

function runMode(options: RunPlanOptions): RunMode {
  return options.enableOrchestration === false ? "legacy" : options.sequential ? "sequential" : options.lazy ? "lazy" : "eager";
}

async function runPrepared(prepared: PreparedPlan, options: RunPlanOptions): Promise<RunResult> {
  const store = options.store ?? new MemoryCompletionStore();
  if (options.enableOrchestration === false) return runLegacy(prepared, options, { steps: {}, decisions: {} });
  const needApproval = [...prepared.steps.values()].filter((s) => s.spec.requires_approval).map((s) => s.id);
  if (needApproval.length && !options.approveAll && !options.checkpointer) {
    // A pause needs somewhere to keep the run until a human answers.
    throw new PlangraphError(
      "APPROVAL_REQUIRED",
      `${needApproval.map((s) => `'${s}'`).join(", ")} need${needApproval.length === 1 ? "s" : ""} approval: pass a checkpointer and threadId to pause and resume, or approveAll`,
      { step: needApproval[0]! },
    );
  }
  const graph = graphFor(prepared, { ...options, store, ...(options.sequential ? { maxConcurrency: 1 } : {}) });
  const config = runConfig(prepared, options);
  try {
    const fresh = options.runId ? { [RUN_ID_CHANNEL]: options.runId } : {};
    let input: unknown = options.resume === undefined ? fresh : options.resume === null ? null : new Command({ resume: options.resume });
    for (;;) {
      const state = (await graph.invoke(input as never, config as never)) as Record<string, unknown>;
      const context = graph.lastRun?.current;
      const interrupts = (state?.["__interrupt__"] as Array<{ id?: string; value?: { step?: string } }> | undefined) ?? [];
      if (interrupts.length && options.approveAll && context) {
        // Answer every live interrupt with "approve" and go on.
        const resume: Record<string, unknown> = {};
        for (const item of interrupts) if (item.id) resume[item.id] = "approve";
        input = new Command({ resume });
        continue;
      }
      // The graph has stopped; a tool still running for a step whose node never fired would be a
      // wiring bug — wait for it rather than drop its result.
      if (context && context.pendingApprovals().length === 0) await context.whenIdle();
      return resultFromRun(prepared, graph, state);
    }
  } catch (error) {
    if (isPlangraphError(error) && error.code !== "INTERNAL") throw error;
    if (isGraphInterrupt(error)) throw error;
    const scheduler = graph.lastRun?.current;
    if (options.signal?.aborted && scheduler) {
      // Cancelled by the caller: not a broken orchestration. Report what ran and what was cut off.
      scheduler.abort(options.signal.reason);
      await scheduler.whenIdle();
      return resultFromRun(prepared, graph, {});
    }
    // The orchestrated path itself broke: finish the plan with the flat executor, reusing every
    // step that already completed so no tool runs twice.
    const seed = scheduler ? recordsOf(prepared, scheduler) : { steps: {}, decisions: {} };
    scheduler?.abort();
    const warning = `orchestration failed (${describeError(error)}); finished the plan in sequential fallback mode`;
    process.emitWarning?.(warning, { code: "PLANGRAPH_FALLBACK" });
    return runLegacy(prepared, options, seed, [warning]);
  }
}

function prepare(plan: unknown, options: PlanOptions): PreparedPlan {
  const registry = options.registry ?? createToolRegistry(options.tools ?? []);
  return preparePlan(plan, { registry, limits: resolveLimits(options.limits) });
}

/** The caller's decision evaluator, or rules + the chat model (with the plan's goal as context). */
function evaluatorFor(prepared: PreparedPlan, options: PlanOptions): DecisionEvaluator {
  return (
    options.evaluateDecision ??
    createDecisionEvaluator({ ...(options.chatModel !== undefined ? { chatModel: options.chatModel } : {}), ...(prepared.plan.goal ? { goal: prepared.plan.goal } : {}) })
  );
}

function graphFor(prepared: PreparedPlan, options: PlanOptions): PlanGraph {
  const evaluateDecision = evaluatorFor(prepared, options);
  return buildPlanGraph(prepared, {
    evaluateDecision,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.strict ? { strict: true } : {}),
    ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}),
    ...(options.onEvent ? { onEvent: (event: RunEvent) => options.onEvent!(event) } : {}),
    cache: options.cache ?? defaultStepCache,
    ...(options.cacheTtlMs ? { cacheTtlMs: options.cacheTtlMs } : {}),
    ...(options.lazy ? { lazy: true } : {}),
    ...(options.resultChannel ? { resultChannel: true } : {}),
    ...((options as RunPlanOptions).approveAll ? { approveAll: true } : {}),
    ...(options.failFast ? { failFast: true } : {}),
  });
}

/** LangGraph config for a run: enough supersteps for every node, the thread, the signal. */
export function runConfig(prepared: PreparedPlan, options: { threadId?: string; signal?: AbortSignal }): Record<string, unknown> {
  const loops = [...prepared.decisions.values()].reduce((n, d) => n + (d.spec.max_iterations ?? 0), 0);
  return {
    recursionLimit: (prepared.order.length + 2) * (loops + 1) + 10,
    ...(options.threadId ? { configurable: { thread_id: options.threadId } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/**
 * The result of a graph run, from the run's scheduler (authoritative for everything this process
 * saw, including steps whose nodes never fired) completed with what state holds.
 */
export function resultFromRun(prepared: PreparedPlan, graph: PlanGraph, state: Record<string, unknown>): RunResult {
  const scheduler = graph.lastRun?.current;
  const records = scheduler ? recordsOf(prepared, scheduler) : { steps: {}, decisions: {} };
  const steps = new Map<string, StepRecord>();
  const decisions = new Map<string, DecisionOutcome>();
  for (const id of prepared.steps.keys()) {
    const stored = state?.[stepChannel(id)] as StepRecord | null | undefined;
    const record = stored ? (unescapeFromState(stored) as StepRecord) : records.steps[id];
    if (record) steps.set(id, record);
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = (state?.[decisionChannel(id)] as DecisionOutcome | null | undefined) ?? records.decisions[id];
    if (outcome) decisions.set(id, outcome);
  }
  const pending: PendingApproval[] = [];
  const interrupts = (state?.["__interrupt__"] as Array<{ value?: { step?: string; pending?: string[] } }> | undefined) ?? [];
  const waiting = new Set<string>(scheduler?.pendingApprovals() ?? []);
  for (const item of interrupts) {
    if (item.value?.step) waiting.add(item.value.step);
    for (const id of item.value?.pending ?? []) waiting.add(id);
  }
  for (const id of waiting) {
    if (steps.has(id)) continue;
    const step = prepared.steps.get(id);
    if (!step) continue;
    const params = interrupts.find((i) => i.value?.step === id)?.value as { params?: unknown } | undefined;
    pending.push({ step: id, tool: step.spec.tool, params: params?.params ?? scheduler?.pendingInput(id) ?? null });
  }
  const origin = typeof state?.[STARTED_AT_CHANNEL] === "number" ? (state[STARTED_AT_CHANNEL] as number) : earliestStart(steps);
  return assembleResult({ prepared, steps, decisions, origin, pending });
}

function recordsOf(prepared: PreparedPlan, scheduler: PlanScheduler) {
  const steps: Record<string, StepRecord> = {};
  const decisions: Record<string, DecisionOutcome> = {};
  for (const id of prepared.steps.keys()) {
    const record = scheduler.stepRecord(id);
    if (record) steps[id] = record;
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = scheduler.decisionOutcome(id);
    if (outcome) decisions[id] = outcome;
  }
  return { steps, decisions };
}

function earliestStart(steps: ReadonlyMap<string, StepRecord>): number {
  let min = Infinity;
  for (const record of steps.values()) if (record.started_at !== undefined) min = Math.min(min, record.started_at);
  return Number.isFinite(min) ? min : 0;
}

/**
 * The flat legacy executor (the seed's sequential layer): the same step semantics, one step at a
 * time in dependency order, without LangGraph. Also the fallback when orchestration breaks.
 */
async function runLegacy(
  prepared: PreparedPlan,
  options: RunPlanOptions,
  seed: { steps: Record<string, StepRecord>; decisions: Record<string, DecisionOutcome> },
  warnings: string[] = [],
): Promise<RunResult> {
  const clock = options.clock ?? systemClock;
  const origin = clock.now();
  const evaluateDecision = evaluatorFor(prepared, options);
  const scheduler = new PlanScheduler({
    prepared,
    runId: "legacy",
    clock,
    evaluateDecision,
    maxConcurrency: 1,
    seed,
    ...(options.failFast ? { failFast: true } : {}),
    cache: options.cache ?? defaultStepCache,
    ...(options.cacheTtlMs ? { cacheTtlMs: options.cacheTtlMs } : {}),
    ...(options.strict ? { strict: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  scheduler.start();
  await scheduler.whenIdle();
  if (options.approveAll) {
    for (;;) {
      const waiting = scheduler.pendingApprovals();
      if (!waiting.length) break;
      for (const id of waiting) scheduler.answerApproval(id, { action: "approve" } satisfies ApprovalAnswer);
      await scheduler.whenIdle();
    }
  }
  const records = recordsOf(prepared, scheduler);
  const pending = scheduler.pendingApprovals().map((id) => ({ step: id, tool: prepared.steps.get(id)!.spec.tool, params: scheduler.pendingInput(id) ?? null }));
  return assembleResult({
    prepared,
    steps: new Map(Object.entries(records.steps)),
    decisions: new Map(Object.entries(records.decisions)),
    origin: Object.keys(seed.steps).length ? earliestStart(new Map(Object.entries(records.steps))) : origin,
    pending,
    warnings,
  });
}

