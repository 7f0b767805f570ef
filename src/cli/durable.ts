import { randomUUID } from "node:crypto";
import pg from "pg";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { PlangraphError, describeError } from "../model/errors.js";
import { compilePlan, runPlan, type RunPlanOptions } from "../api/run-plan.js";
import type { CompletionStore } from "../durability/completion-store.js";
import { SqliteCompletionStore } from "../durability/sqlite.js";
import { PgCompletionStore, schemaForDb } from "../durability/postgres.js";
import type { RunResult } from "../engine/result.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import { RUN_ID_CHANNEL } from "../langgraph/channels.js";
import type { PreparedPlan } from "../analysis/prepare.js";
import { cliRegistry } from "./registry.js";
import type { Command } from "./args.js";

/**
 * Where a durable run lives: LangGraph's checkpointer, the completion store and the plan registry
 * (thread → plan and tool module), opened together and closed together.
 */
export interface DurableBackend {
  checkpointer: BaseCheckpointSaver;
  store: CompletionStore;
  savePlan(thread: string, plan: string, tools: string | undefined, runId: string): Promise<void>;
  loadPlan(thread: string): Promise<{ plan: string; tools: string | undefined; runId: string | undefined } | undefined>;
  /** Where the runs are, for messages: the SQLite file, or `postgresql schema <name>`. */
  where: string;
  close(): Promise<void>;
}

/**
 * `--db <file>` opens a SQLite file (SqliteSaver + SqliteCompletionStore). With `DATABASE_URL` set,
 * the runs go to that PostgreSQL database instead (PostgresSaver + PgCompletionStore) and `--db`
 * names the schema they live in (`schemaForDb`: `runs.sqlite` → `runs_sqlite`), so separate
 * `--db` values stay separate there as they would as files.
 */
export async function openDurable(db: string, env: NodeJS.ProcessEnv = process.env): Promise<DurableBackend> {
  const url = env.DATABASE_URL?.trim();
  if (!url) {
    const store = new SqliteCompletionStore(db);
    return {
      checkpointer: SqliteSaver.fromConnString(db),
      store,
      savePlan: async (thread, plan, tools, runId) => store.savePlan(thread, plan, tools, runId),
      loadPlan: async (thread) => store.loadPlan(thread),
      where: `'${db}'`,
      close: async () => store.close(),
    };
  }
  const schema = schemaForDb(db);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    const checkpointer = new PostgresSaver(pool, undefined, { schema });
    const store = new PgCompletionStore(pool, schema);
    await store.setup(() => checkpointer.setup());
    return {
      checkpointer,
      store,
      savePlan: (thread, plan, tools, runId) => store.savePlan(thread, plan, tools, runId),
      loadPlan: (thread) => store.loadPlan(thread),
      where: `PostgreSQL schema '${schema}' (DATABASE_URL)`,
      close: async () => {
        try {
          await store.close();
        } finally {
          await pool.end();
        }
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PlangraphError("USAGE", `cannot use the PostgreSQL database in DATABASE_URL (schema '${schema}'): ${describeError(error)}`, { cause: error });
  }
}

/**
 * `run --thread --db`: the run is checkpointed (SQLite file, or PostgreSQL with DATABASE_URL), eager
 * completions and the plan itself are kept beside it, so `resume` needs only the thread id.
 */
export async function runDurable(planText: string, thread: string, db: string, options: RunPlanOptions, toolsModule?: string): Promise<RunResult> {
  const backend = await openDurable(db);
  try {
    // The run id is on record before the first tool starts (see resumeDurable).
    const runId = randomUUID();
    await backend.savePlan(thread, planText, toolsModule, runId);
    return await runPlan(planText, { ...options, checkpointer: backend.checkpointer, store: backend.store, threadId: thread, runId });
  } finally {
    await backend.close();
  }
}

/** `resume --thread --db`: answers pending approvals and finishes the run; completed steps never run again. */
export async function resumeDurable(
  command: Extract<Command, { command: "resume" }>,
  options: RunPlanOptions,
  note: (message: string) => void,
): Promise<{ result: RunResult; prepared: PreparedPlan }> {
  const backend = await openDurable(command.db);
  const { checkpointer, store } = backend;
  try {
    const saved = await backend.loadPlan(command.thread);
    if (!saved) throw new PlangraphError("USAGE", `no run with thread '${command.thread}' in ${backend.where}`);
    const registry = await cliRegistry(command.tools ?? saved.tools, note);
    const config = { configurable: { thread_id: command.thread } };
    const graph = compilePlan(saved.plan, { registry, checkpointer, chatModel: null });
    const snapshot = await graph.getState(config);
    const runId = snapshot.values?.[RUN_ID_CHANNEL] as string | undefined;
    if (!runId) {
      // Killed before LangGraph's first checkpoint: start the run again under its recorded id, so
      // every tool call that had completed is taken from the completion store, not made again.
      if (!saved.runId) throw new PlangraphError("USAGE", `thread '${command.thread}' has no checkpointed run to resume`);
      const answered = [...command.approve, ...command.reject, ...Object.keys(command.params)];
      if (answered.length) throw new PlangraphError("USAGE", `step '${answered[0]}' is not waiting for approval (the run had not started its graph)`, { step: answered[0]! });
      const result = await runPlan(graph.prepared, { ...options, registry, checkpointer, store, threadId: command.thread, runId: saved.runId });
      return { result, prepared: graph.prepared };
    }

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
    const result = await runPlan(graph.prepared, {
      ...options,
      registry,
      checkpointer,
      store,
      threadId: command.thread,
      resume: Object.keys(resume).length ? resume : null,
    });
    return { result, prepared: graph.prepared };
  } finally {
    await backend.close();
  }
}
