import { randomUUID } from "node:crypto";
import { PlangraphError } from "../model/errors.js";
import { compilePlan, runPlan, type RunPlanOptions } from "../api/run-plan.js";
import { requireResumeApprover } from "../api/approver.js";
import type { DurableBackend, ThreadRecord, ToolsModuleRef } from "../durability/backend.js";
import { durabilityFromEnv, openDurable } from "../durability/open.js";
import { holdThread, leaseTtlFromEnv, type ThreadHold } from "../durability/lease.js";
import { sqliteFileError } from "../durability/sqlite-file.js";
import { checkResumeTools, identifyToolsModule } from "../durability/tools-module.js";
import type { RunResult } from "../engine/result.js";
import { approvalAnswers, pausedSteps, type SnapshotTask } from "../api/approval-answers.js";
import { RUN_ID_CHANNEL } from "../langgraph/channels.js";
import type { PreparedPlan } from "../analysis/prepare.js";
import { cliRegistry } from "./registry.js";
import type { Command } from "./args.js";

/** What `run --thread --db` needs beyond the plan and the run options. */
export interface DurableRunTarget {
  thread: string;
  db: string;
  /** The `--tools` module as the caller named it (loaded by the caller already). */
  tools?: string;
  /** `--restart`: start over on a thread whose last run is unfinished, dropping it. */
  restart?: boolean;
  /** The plan as the caller already prepared it, so it is not prepared a second time. */
  prepared?: PreparedPlan;
}

/**
 * `run --thread --db`: the run is checkpointed (SQLite file, or PostgreSQL with DATABASE_URL), eager
 * completions and the plan itself are kept beside it, so `resume` needs only the thread id (and
 * the same `--tools`). The thread is this process's alone while it runs (a lease in the database).
 */
export async function runDurable(planText: string, target: DurableRunTarget, options: RunPlanOptions): Promise<RunResult> {
  return withThread(target.db, target.thread, {}, async (backend, hold) => {
    const previous = await backend.plans.loadPlan(target.thread);
    if (previous && previous.status !== "finished") {
      if (!target.restart) throw unfinished(target.thread, previous, backend.where);
      if (previous.runId) await backend.completions.discard(previous.runId);
    }
    const tools: ToolsModuleRef | undefined = target.tools ? identifyToolsModule(target.tools) : undefined;
    // The run id is on record before the first tool starts (see resumeDurable).
    const runId = randomUUID();
    await backend.plans.savePlan(target.thread, planText, tools, runId);
    const result = await runPlan(target.prepared ?? planText, { ...durableOptions(options, backend, hold), threadId: target.thread, runId });
    return settle(backend, hold, target.thread, runId, result);
  });
}

/** `resume --thread --db`: answers pending approvals and finishes the run; completed steps never run again. */
export async function resumeDurable(
  command: Extract<Command, { command: "resume" }>,
  options: RunPlanOptions,
  note: (message: string) => void,
): Promise<{ result: RunResult; prepared: PreparedPlan }> {
  return withThread(command.db, command.thread, { mustExist: true }, async (backend, hold) => {
    const saved = await backend.plans.loadPlan(command.thread);
    if (!saved) throw new PlangraphError("USAGE", `no run with thread '${command.thread}' in ${backend.where}`);
    // The module is the caller's to name; the stored one is only compared, never loaded.
    checkResumeTools(command.thread, saved.tools, command.tools ? identifyToolsModule(command.tools) : undefined);
    const registry = await cliRegistry(command.tools, note);
    const graph = compilePlan(saved.plan, { registry, checkpointer: backend.checkpointer, chatModel: null });
    const snapshot = await graph.getState({ configurable: { thread_id: command.thread } });
    const runId = (snapshot.values?.[RUN_ID_CHANNEL] as string | undefined) ?? saved.runId;
    const base = { ...durableOptions(options, backend, hold), registry, threadId: command.thread };
    if (!snapshot.values?.[RUN_ID_CHANNEL]) {
      // Killed before LangGraph's first checkpoint: start the run again under its recorded id, so
      // every tool call that had completed is taken from the completion store, not made again.
      if (!runId) throw new PlangraphError("USAGE", `thread '${command.thread}' has no checkpointed run to resume`);
      const answered = [...command.approve, ...command.reject, ...Object.keys(command.params)];
      if (answered.length) throw new PlangraphError("USAGE", `step '${answered[0]}' is not waiting for approval (the run had not started its graph)`, { step: answered[0]! });
      const result = await runPlan(graph.prepared, { ...base, runId });
      return { result: await settle(backend, hold, command.thread, runId, result), prepared: graph.prepared };
    }
    await requireResumeApprover([...command.approve, ...command.reject, ...Object.keys(command.params)], { ...options, threadId: command.thread, ...(backend.audit && !options.audit ? { audit: backend.audit } : {}) }, backend.completions, runId);
    const resume = await answerApprovals(command, snapshot.tasks ?? [], backend, runId!);
    const result = await runPlan(graph.prepared, { ...base, resume: Object.keys(resume).length ? resume : null });
    return { result: await settle(backend, hold, command.thread, runId!, result), prepared: graph.prepared };
  });
}

/**
 * Opens the backend, makes this process the thread's one owner, works, then releases and closes.
 * A SQLite failure on the way (a file damaged under the run) becomes a typed error naming the file.
 */
async function withThread<T>(db: string, thread: string, open: { mustExist?: boolean }, work: (backend: DurableBackend, hold: ThreadHold) => Promise<T>): Promise<T> {
  const ttlMs = leaseTtlFromEnv();
  const backend = await openDurable(db, process.env, open);
  try {
    const hold = await holdThread(backend.leases, thread, { ttlMs, where: backend.where });
    try {
      return await work(backend, hold);
    } finally {
      await hold.release();
    }
  } catch (error) {
    throw sqliteFileError(db, error) ?? error;
  } finally {
    await backend.close();
  }
}

function durableOptions(options: RunPlanOptions, backend: DurableBackend, hold: ThreadHold): RunPlanOptions {
  const signal = options.signal ? AbortSignal.any([options.signal, hold.signal]) : hold.signal;
  const durability = durabilityFromEnv();
  const audit = options.audit ?? backend.audit;
  return { ...options, checkpointer: backend.checkpointer, store: backend.completions, signal, ...(durability ? { durability } : {}), ...(audit ? { audit } : {}) };
}

/** Records where the run stands (a paused one stays unfinished), unless the lease was lost meanwhile. */
async function settle(backend: DurableBackend, hold: ThreadHold, thread: string, runId: string, result: RunResult): Promise<RunResult> {
  hold.assertHeld();
  await backend.plans.markRun(thread, runId, result.status === "interrupted" ? "interrupted" : "finished");
  return result;
}

function unfinished(thread: string, previous: ThreadRecord, where: string): PlangraphError {
  const state = previous.status === "interrupted" ? "is waiting for approval" : previous.status === "running" ? "did not finish (interrupted or killed)" : "may not have finished";
  return new PlangraphError(
    "THREAD_HAS_UNFINISHED_RUN",
    `thread '${thread}' in ${where} has a run that ${state}: finish it with 'resume --thread ${thread} --db …', or start over with 'run … --thread ${thread} --restart' (which drops it)`,
  );
}

/**
 * The resume value for `--approve/--reject/--params`: answers to live LangGraph interrupts by id;
 * answers for steps whose node has not paused yet go to the completion store.
 */
async function answerApprovals(command: Extract<Command, { command: "resume" }>, tasks: readonly SnapshotTask[], backend: DurableBackend, runId: string): Promise<Record<string, unknown>> {
  const { live, waiting } = pausedSteps(tasks);
  const answers = approvalAnswers(command);
  for (const step of answers.keys()) {
    if (!waiting.has(step)) {
      const list = [...waiting].map((s) => `'${s}'`).join(", ") || "none";
      throw new PlangraphError("USAGE", `step '${step}' is not waiting for approval (waiting: ${list})`, { step });
    }
  }
  const resume: Record<string, unknown> = {};
  for (const [step, answer] of answers) {
    const interruptId = live.get(step);
    if (interruptId) resume[interruptId] = answer;
    else await backend.completions.saveAnswer(runId, step, answer);
  }
  return resume;
}
