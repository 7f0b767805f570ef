/**
 * Crash-test harness: real `plangraph` processes, killed with SIGKILL at seeded points, and what
 * they left on disk (the side-effect log, the completion store, LangGraph's checkpoint).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { CheckpointTuple } from "@langchain/langgraph-checkpoint";
import { readSideEffectLog, type SideEffectLine } from "../../../scripts/reliability/logging-tools.js";
import { seededRandom } from "../../../bench/random.js";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const CLI = resolve(ROOT, "bin/plangraph.mjs");
export const LOGGING_TOOLS = resolve(ROOT, "scripts/reliability/logging-tools.ts");

/** The seeded PRNG (mulberry32) shared with the benchmark: same seed, same plans. */
export { seededRandom };

export const randomInt = (rng: () => number, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

interface WorkStep {
  id: string;
  tool: "work";
  params: { step: string; ms: number; n: number };
  output_mapping?: { inputs: string[] };
  depends_on?: string[];
  optional_depends_on?: string[];
}

/**
 * A random plan of `size` `work` steps (20–80 ms each) plus one slow anchor (200–300 ms) that the
 * last step joins: while the anchor's superstep runs, the fast chains finish ahead of their own
 * nodes' supersteps, so their completions exist only in the completion store for a while — the
 * window a crash must not lose. With `decision`, a rule decision picks one of two branch steps and
 * the last step joins them through optional_depends_on.
 */
export function randomPlan(rng: () => number, options: { size?: number; decision?: boolean } = {}): { steps: WorkStep[]; decisions?: unknown[] } {
  const size = options.size ?? 10;
  const steps: WorkStep[] = [];
  const ids = Array.from({ length: size }, (_, i) => `s${i}`);
  const branchIds = options.decision ? [ids[size - 3]!, ids[size - 2]!] : [];
  for (let i = 0; i < size; i++) {
    const id = ids[i]!;
    const anchor = i === 0;
    const last = i === size - 1;
    const deps = new Set<string>();
    if (last) {
      deps.add(ids[0]!);
      deps.add(ids[randomInt(rng, 1, size - 4)]!);
    } else if (!anchor) {
      // 0–2 earlier non-anchor, non-branch steps.
      const pool = ids.slice(1, i).filter((d) => !branchIds.includes(d));
      const count = pool.length ? randomInt(rng, 0, Math.min(2, pool.length)) : 0;
      for (let k = 0; k < count; k++) deps.add(pool[randomInt(rng, 0, pool.length - 1)]!);
    }
    const optional = last ? branchIds : [];
    const refs = [...deps, ...optional].map((d) => `{${d}.data.value}`);
    steps.push({
      id,
      tool: "work",
      params: { step: id, ms: anchor ? randomInt(rng, 200, 300) : randomInt(rng, 20, 80), n: randomInt(rng, 1, 100) },
      ...(refs.length ? { output_mapping: { inputs: refs } } : {}),
      ...(optional.length ? { optional_depends_on: optional } : {}),
    });
  }
  if (!options.decision) return { steps };
  const gate = ids[randomInt(rng, 1, size - 4)]!;
  return {
    steps,
    decisions: [{ id: "gate", after: [gate], condition: `{${gate}.data.value} > ${randomInt(rng, 1, 150)}`, then: [branchIds[0]], else: [branchIds[1]] }],
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  exit: Promise<Exit>;
}

/** `node bin/plangraph.mjs …` with the side-effect log and process tag in its environment. */
export function spawnCli(args: string[], env: { log: string; proc: string; extra?: Record<string, string> }): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      PLANGRAPH_RELIABILITY_LOG: env.log,
      PLANGRAPH_RELIABILITY_PROC: env.proc,
      LANGSMITH_TRACING: "false",
      OPENAI_API_KEY: "",
      ...env.extra,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((done) => child.on("close", (code, signal) => done({ code, signal, stdout, stderr })));
  return { child, exit };
}

/**
 * Sends SIGKILL `delayMs` after process `proc` has written its `event`-th line (1-based) to the
 * side-effect log (only its `end` lines with `endsOnly`). With `after`, lines are counted only from the moment `after()` first holds
 * (polled every 10 ms), e.g. once the thread has a resumable checkpoint. Resolves with whether
 * the signal killed the process (false: it had already exited).
 */
export async function killAfterEvent(
  spawned: Spawned,
  log: string,
  proc: string,
  event: number,
  delayMs: number,
  options: { after?: () => Promise<boolean>; endsOnly?: boolean } = {},
): Promise<{ killed: boolean; exit: Exit }> {
  let exited = false;
  void spawned.exit.then(() => (exited = true));
  const mine = () => readSideEffectLog(log).filter((l) => l.proc === proc && (!options.endsOnly || l.phase === "end")).length;
  let baseline = 0;
  if (options.after) {
    while (!exited && !(await options.after())) await new Promise((r) => setTimeout(r, 10));
    baseline = mine();
  }
  await new Promise<void>((done) => {
    const poll = setInterval(() => {
      if (exited) {
        clearInterval(poll);
        done();
      } else if (mine() - baseline >= event) {
        clearInterval(poll);
        setTimeout(() => {
          if (!exited) spawned.child.kill("SIGKILL");
          done();
        }, delayMs);
      }
    }, 1);
  });
  const exit = await spawned.exit;
  return { killed: exit.signal === "SIGKILL", exit };
}

/** What a killed run left on disk, per step. */
export interface Persisted {
  /** Steps whose completion is durable anywhere (completion store, checkpoint, or pending writes). */
  done: Set<string>;
  /** Done steps found only in the completion store: eager completions ahead of their node's superstep. */
  storeOnly: Set<string>;
  /** Done steps in LangGraph's checkpoint or its pending writes. */
  inGraph: Set<string>;
  /** Done steps in the completion store. */
  inStore: Set<string>;
  /** Done steps known only from the latest checkpoint's pending writes (not its values, not the store). */
  pendingOnly: Set<string>;
  /** Whether LangGraph had written a checkpoint holding the run's id (what `resume` needs). */
  checkpointed: boolean;
}

export async function readPersisted(db: string, thread: string, stepIds: readonly string[]): Promise<Persisted> {
  const inStore = new Set<string>();
  if (!existsSync(db)) return summarise(inStore, { values: new Set(), pending: new Set(), checkpointed: false });
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const hasTable = sqlite.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='plangraph_completions'").get();
    if (hasTable) {
      const rows = sqlite.prepare("SELECT id, body FROM plangraph_completions WHERE kind = 'step'").all() as Array<{ id: string; body: string }>;
      for (const row of rows) if ((JSON.parse(row.body) as { status?: string }).status === "done") inStore.add(row.id);
    }
  } finally {
    sqlite.close();
  }
  const saver = SqliteSaver.fromConnString(db);
  try {
    return summarise(inStore, await readCheckpoint(saver, thread, stepIds));
  } finally {
    saver.db.close();
  }
}

/** Done steps in a thread's latest checkpoint: in its values, and in its pending writes. */
export async function readCheckpoint(
  saver: { getTuple(config: { configurable: { thread_id: string } }): Promise<CheckpointTuple | undefined> },
  thread: string,
  stepIds: readonly string[],
): Promise<{ values: Set<string>; pending: Set<string>; checkpointed: boolean }> {
  const tuple = await saver.getTuple({ configurable: { thread_id: thread } });
  const values = (tuple?.checkpoint.channel_values ?? {}) as Record<string, { status?: string } | null | undefined>;
  const inValues = new Set(stepIds.filter((id) => values[`step:${id}`]?.status === "done"));
  const pending = new Set<string>();
  for (const [, channel, value] of tuple?.pendingWrites ?? []) {
    if (channel.startsWith("step:") && (value as { status?: string } | null)?.status === "done") pending.add(channel.slice(5));
  }
  // What `resume` needs: a checkpoint that holds the run id (LangGraph's input checkpoint does not yet).
  return { values: inValues, pending, checkpointed: typeof values.run_id === "string" };
}

export function summarise(inStore: Set<string>, graph: { values: Set<string>; pending: Set<string>; checkpointed: boolean }): Persisted {
  const inGraph = new Set([...graph.values, ...graph.pending]);
  return {
    done: new Set([...inStore, ...inGraph]),
    storeOnly: new Set([...inStore].filter((id) => !inGraph.has(id))),
    inGraph,
    inStore,
    pendingOnly: new Set([...graph.pending].filter((id) => !graph.values.has(id) && !inStore.has(id))),
    checkpointed: graph.checkpointed,
  };
}

export function parseJsonOutput(exit: Exit): Record<string, unknown> {
  const line = exit.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`no JSON on stdout (exit ${exit.code}, signal ${exit.signal}):\n${exit.stdout}\n${exit.stderr}`);
  }
}

export { readSideEffectLog, type SideEffectLine };
export const readText = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
