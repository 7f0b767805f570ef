import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PlangraphError } from "../errors.js";
import { compilePlan, runPlan, type RunPlanOptions } from "../runtime/run-plan.js";
import { SqliteCompletionStore } from "../runtime/sqlite-store.js";
import type { RunResult } from "../runtime/result.js";
import type { ApprovalAnswer } from "../runtime/scheduler.js";
import { RUN_ID_CHANNEL } from "../compile/channels.js";
import type { PreparedPlan } from "../analysis/prepare.js";
import { cliRegistry } from "./registry.js";
import type { Command } from "./args.js";

/**
 * `run --thread --db`: the run is checkpointed in a SQLite file (LangGraph's SqliteSaver), eager
 * completions and the plan itself are kept beside it, so `resume` needs only the thread id.
 */
export async function runDurable(planText: string, thread: string, db: string, options: RunPlanOptions, toolsModule?: string): Promise<RunResult> {
  const store = new SqliteCompletionStore(db);
  const checkpointer = SqliteSaver.fromConnString(db);
  try {
    store.savePlan(thread, planText, toolsModule);
    return await runPlan(planText, { ...options, checkpointer, store, threadId: thread });
  } finally {
    store.close();
  }
}

/** `resume --thread --db`: answers pending approvals and finishes the run; completed steps never run again. */
export async function resumeDurable(
  command: Extract<Command, { command: "resume" }>,
  options: RunPlanOptions,
  note: (message: string) => void,
): Promise<{ result: RunResult; prepared: PreparedPlan }> {
  const store = new SqliteCompletionStore(command.db);
  const checkpointer = SqliteSaver.fromConnString(command.db);
  try {
    const saved = store.loadPlan(command.thread);
    if (!saved) throw new PlangraphError("USAGE", `no run with thread '${command.thread}' in '${command.db}'`);
    const registry = await cliRegistry(command.tools ?? saved.tools, note);
    const config = { configurable: { thread_id: command.thread } };
    const graph = compilePlan(saved.plan, { registry, checkpointer, chatModel: null });
    const snapshot = await graph.getState(config);
    const runId = snapshot.values?.[RUN_ID_CHANNEL] as string | undefined;
    if (!runId) throw new PlangraphError("USAGE", `thread '${command.thread}' has no checkpointed run to resume`);

    // Which steps wait, and which of them have a live LangGraph interrupt to answer.
    const live = new Map<string, string>();
    const waiting = new Set<string>();
    for (const task of snapshot.tasks ?? []) {
      for (const item of task.interrupts ?? []) {
        const value = item.value as { step?: string; pending?: string[] } | undefined;
        if (value?.step && item.id) live.set(value.step, item.id);
        if (value?.step) waiting.add(value.step);
        for (const id of value?.pending ?? []) waiting.add(id);
      }
    }
    const answers = new Map<string, ApprovalAnswer>();
    for (const step of command.approve) answers.set(step, { action: "approve", ...(command.params[step] ? { params: command.params[step] } : {}) });
    for (const [step, params] of Object.entries(command.params)) answers.set(step, { action: "approve", params });
    for (const step of command.reject) answers.set(step, { action: "reject" });
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
      else await store.saveAnswer(runId, step, answer);
    }
    const result = await runPlan(saved.plan, {
      ...options,
      registry,
      checkpointer,
      store,
      threadId: command.thread,
      resume: Object.keys(resume).length ? resume : null,
    });
    return { result, prepared: graph.prepared };
  } finally {
    store.close();
  }
}
