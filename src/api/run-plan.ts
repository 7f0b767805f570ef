import { randomUUID } from "node:crypto";
import { Command } from "@langchain/langgraph";
import { isPlangraphError } from "../model/errors.js";
import type { PreparedPlan } from "../analysis/prepare.js";
import { systemClock } from "../engine/clock.js";
import type { CompletionStore } from "../durability/completion-store.js";
import type { RunResult } from "../engine/result.js";
import { RUN_ID_CHANNEL } from "../langgraph/channels.js";
import { isDurableCheckpointer } from "../langgraph/durable-guards.js";
import type { PlanGraph } from "../langgraph/graph.js";
import { interruptsOf } from "../langgraph/internals.js";
import type { RunContext } from "../langgraph/run-context.js";
import { resultFromRun } from "../langgraph/run-result.js";
import { createRunContext, withRunContext } from "../langgraph/run-stream.js";
import { startRunTelemetry, type RunTelemetry } from "../telemetry/index.js";
import { warmUpTools, type WarmUpReport } from "../tools/warm-up.js";
import { graphFor } from "./compile-plan.js";
import { fallBack } from "./fallback.js";
import { runLegacy } from "./legacy.js";
import type { RunPlanOptions } from "./options.js";
import { completionStoreFor, isOrchestrationBug, requireApprovalHome, requireThread, runMode } from "./policy.js";
import { preparedFrom } from "./prepared.js";
import { AuditTrail } from "../engine/audit-trail.js";
import type { CallScope } from "../engine/call-scope.js";
import type { CallerContext } from "../model/caller.js";
import type { Policy } from "../policy/index.js";
import { admitRun, defaultTenantLimiter } from "./admission.js";
import { recordStarter, requireApproverOf, resumeFacts, starterRecord, type ResumeFacts } from "./approver.js";
import { callerFor } from "./caller.js";
import { policyFor } from "./policy-file.js";
import { identityParamWarnings } from "./spoofing.js";
import { planTools } from "../analysis/sub-plan.js";

/** What runPlan set up before the run's clock started, shared by every invocation of the run. */
interface RunSetup {
  telemetry: RunTelemetry;
  warmUp: WarmUpReport;
  /** Who the run is for, and its audit trail: handed to every tool call. */
  scope: CallScope;
  policy: Policy;
}

/**
 * Runs a plan to the end (or to an approval pause) and returns its result (docs/RESULT-FORMAT.md). Takes raw
 * plan input or an already prepared plan. The plan's tools are warmed up first, outside the run's
 * clock; the run gets its own run context (scheduler, telemetry, guarded store), never shared.
 */
export async function runPlan(plan: unknown, options: RunPlanOptions = {}): Promise<RunResult> {
  // Who, under which policy: settled before anything else, so a bad caller or policy runs nothing.
  const caller = callerFor(options.caller);
  const policy = policyFor(options.policy);
  const audit = options.audit ? new AuditTrail(options.audit, { caller, ...(options.threadId ? { threadId: options.threadId } : {}) }) : undefined;
  const base = preparedFrom(plan, options);
  const resumed = await answersAllowed(base, options, { caller, policy, ...(audit ? { audit } : {}) });
  const admission = await admitRun(base, {
    caller,
    policy,
    limiter: options.tenantLimiter ?? defaultTenantLimiter,
    ...(audit ? { audit } : {}),
    ...(options.approveAll ? { approveAll: true } : {}),
    // What paused for the starter stays paused for whoever resumes (an admin's roles gate nothing).
    ...(resumed ? { gate: [...resumed.gated, ...resumed.pending] } : {}),
  });
  try {
    const prepared = admission.prepared;
    const scope: CallScope = { caller, ...(options.threadId ? { threadId: options.threadId } : {}), ...(audit ? { audit } : {}) };
    const warmUp = await warmUpTools(planTools(prepared), options.signal);
    const telemetry = startRunTelemetry({
      prepared,
      clock: options.clock ?? systemClock,
      mode: runMode(options),
      caller,
      ...(options.threadId ? { threadId: options.threadId } : {}),
      ...(options.telemetry !== undefined ? { telemetry: options.telemetry } : {}),
    });
    const result = await telemetry.trace(() => runPrepared(prepared, options, { telemetry, warmUp, scope, policy }));
    // Warm-up happened before the run's clock started: reported apart, never inside a step's bar.
    if (warmUp.ms > 0) result.warm_up_ms = Math.round(warmUp.ms * 1000) / 1000;
    await audit?.settled();
    return withIdentity(result, prepared, caller, audit);
  } finally {
    admission.release();
  }
}

/** The result says who it ran for, what tried to say otherwise, and any audit entry that was lost. */
function withIdentity(result: RunResult, prepared: PreparedPlan, caller: CallerContext, audit: AuditTrail | undefined): RunResult {
  const extra = [...identityParamWarnings(prepared, caller), ...(audit?.warnings() ?? [])].filter((w) => !result.warnings.includes(w));
  return { ...result, warnings: [...result.warnings, ...extra], context: caller };
}

async function runPrepared(prepared: PreparedPlan, options: RunPlanOptions, setup: RunSetup): Promise<RunResult> {
  if (options.enableOrchestration === false) {
    return runLegacy(prepared, { ...options, onEvent: setup.telemetry.observe(options.onEvent) }, { seed: { steps: {}, decisions: {} }, warnings: setup.warmUp.warnings, scope: setup.scope });
  }
  requireApprovalHome(prepared, { approveAll: options.approveAll, canPause: !!options.checkpointer, remedy: "pass a checkpointer and threadId to pause and resume, or approveAll" });
  requireThread(options);
  const store = completionStoreFor(options);
  const graph = graphFor(prepared, { ...options, store, ...(options.sequential ? { maxConcurrency: 1 } : {}) });
  const runId = await answerable(prepared, options, store, setup);
  let context: RunContext | undefined;
  try {
    const fresh = runId ? { [RUN_ID_CHANNEL]: runId } : {};
    let input: unknown = options.resume === undefined ? fresh : options.resume === null ? null : new Command({ resume: options.resume });
    for (;;) {
      // One context per invocation: a resume after an approval is a new invocation of the graph.
      context = createRunContext(graph, { ...(options.signal ? { signal: options.signal } : {}), telemetry: setup.telemetry, warmUp: setup.warmUp, scope: setup.scope });
      const state = (await graph.invoke(input as never, withRunContext(runConfig(options), context) as never)) as Record<string, unknown>;
      const scheduler = context.current;
      const interrupts = interruptsOf(state);
      if (interrupts.length && options.approveAll && scheduler) {
        // Answer every live interrupt with "approve" and go on.
        const resume: Record<string, unknown> = {};
        for (const item of interrupts) if (item.id) resume[item.id] = "approve";
        input = new Command({ resume });
        continue;
      }
      // The graph has stopped; a tool still running for a step whose node never fired would be a
      // wiring bug — wait for it rather than drop its result.
      if (scheduler && scheduler.pendingApprovals().length === 0) await scheduler.whenIdle();
      return resultFromRun(prepared, scheduler, state, { warnings: context.warnings, ...(options.strict ? { strict: true } : {}) });
    }
  } catch (error) {
    // Cancelled with a RUN_ABORTED reason (a queue worker's cancel): reported like any cancel, with what ran.
    const cancelled = isPlangraphError(error) && error.code === "RUN_ABORTED" && options.signal?.aborted === true && !!context?.current;
    if (!isOrchestrationBug(error) && !cancelled) {
      // The run is over: tools launched ahead of nodes that will not run now must stop too.
      context?.current?.abort();
      throw error;
    }
    return recover(error, { prepared, graph, options, store, setup, context });
  }
}

/**
 * A resume of a durable thread, before anything runs: answers (approve, reject, edit) to paused
 * steps are refused unless the caller may approve them (APPROVER_NOT_ALLOWED); returns what the
 * thread holds (undefined for a fresh run).
 */
async function answersAllowed(prepared: PreparedPlan, options: RunPlanOptions, who: { caller: CallerContext; policy: Policy; audit?: AuditTrail }): Promise<ResumeFacts | undefined> {
  if (options.resume === undefined || !options.checkpointer || !options.threadId) return undefined;
  const facts = await resumeFacts(graphFor(prepared, options), options.threadId, options.resume, options.store);
  await requireApproverOf(facts.answered, { ...who, ...(facts.starter ? { starter: facts.starter } : {}) });
  return facts;
}

/**
 * A fresh run that may pause records who started it and what paused for them, for its resumes
 * (`approver_not_starter`, gates kept). Returns the fresh run's id (the caller's, or a new one then).
 */
async function answerable(prepared: PreparedPlan, options: RunPlanOptions, store: CompletionStore, setup: RunSetup): Promise<string | undefined> {
  const gated = [...prepared.steps.values()].filter((s) => s.spec.requires_approval).map((s) => s.id);
  if (options.resume !== undefined || !options.checkpointer || !gated.length) return options.runId;
  const runId = options.runId ?? randomUUID();
  // A run started again under its recorded id (killed before its first checkpoint) keeps its starter.
  if (!options.runId || (await starterRecord(store, runId)).starter === undefined) await recordStarter(store, runId, setup.scope.caller, gated);
  return runId;
}

/** After the orchestrated path broke: a cancelled run reports what ran; a bug falls back. */
async function recover(
  error: unknown,
  run: { prepared: PreparedPlan; graph: PlanGraph; options: RunPlanOptions; store: CompletionStore; setup: RunSetup; context: RunContext | undefined },
): Promise<RunResult> {
  const scheduler = run.context?.current;
  if (run.options.signal?.aborted && scheduler) {
    // Cancelled by the caller: not a broken orchestration. Report what ran and what was cut off.
    scheduler.abort(run.options.signal.reason);
    await scheduler.whenIdle();
    const startedAt = run.context?.startedAt;
    return resultFromRun(run.prepared, scheduler, {}, { ...(startedAt !== undefined ? { startedAt } : {}), warnings: run.setup.warmUp.warnings, ...(run.options.strict ? { strict: true } : {}) });
  }
  return fallBack(error, {
    prepared: run.prepared,
    graph: run.graph,
    options: { ...run.options, onEvent: run.setup.telemetry.observe(run.options.onEvent) },
    store: run.store,
    durable: isDurableCheckpointer(run.options.checkpointer),
    scheduler,
    warnings: run.setup.warmUp.warnings,
    scope: run.setup.scope,
  });
}

/** LangGraph config of a run: its thread and its signal (the graph adds the recursion floor). */
function runConfig(options: Pick<RunPlanOptions, "threadId" | "signal" | "durability">): Record<string, unknown> {
  return {
    ...(options.threadId ? { configurable: { thread_id: options.threadId } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.durability ? { durability: options.durability } : {}),
  };
}

export { compilePlan } from "./compile-plan.js";
export { isPreparedPlan } from "./prepared.js";
export type { PlanOptions, RunPlanOptions } from "./options.js";
