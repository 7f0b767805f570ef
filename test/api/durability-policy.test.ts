/**
 * Durability at the API layer: a durable checkpointer needs a durable completion store; a
 * checkpointer or store failure fails the run with a typed error; only a genuine orchestration bug
 * (an INTERNAL error of ours) falls back to the sequential executor, and in a durable run that
 * fallback keeps the run's record (same store, same run id) or refuses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { runPlan, type RunPlanOptions } from "../../src/api/run-plan.js";
import { MemoryCompletionStore } from "../../src/durability/completion-store.js";
import { SqliteCompletionStore } from "../../src/durability/sqlite.js";
import { PlangraphError } from "../../src/model/errors.js";
import type { StepRecord } from "../../src/model/records.js";
import { callLog } from "../core/helpers.js";

/** Fault injection: the state escape of one step's record throws an INTERNAL error, once. */
const faults = vi.hoisted(() => ({ escapeFailsFor: new Set<string>() }));
vi.mock("../../src/langgraph/state-escape.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/langgraph/state-escape.js")>();
  const { PlangraphError: Typed } = await import("../../src/model/errors.js");
  return {
    ...original,
    escapeForState: (value: unknown) => {
      const tag = ((value as { output?: { data?: { tag?: unknown } } } | null)?.output?.data?.tag ?? undefined) as string | undefined;
      if (tag !== undefined && faults.escapeFailsFor.delete(tag)) {
        throw new Typed("INTERNAL", `injected orchestration bug at '${tag}'`);
      }
      return original.escapeForState(value);
    },
  };
});

const quiet = { chatModel: null, telemetry: false } as const;
const step = (id: string, deps: string[] = [], extra: Record<string, unknown> = {}) => ({ id, tool: "record", params: { tag: id, ms: 5 }, ...(deps.length ? { depends_on: deps } : {}), ...extra });
const chain = { steps: [step("a"), step("b", ["a"]), step("c", ["b"])] };

let dir: string;
const open: Array<{ close(): void }> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "plangraph-durability-policy-"));
  faults.escapeFailsFor.clear();
  vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
});
afterEach(() => {
  for (const handle of open.splice(0)) handle.close();
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function sqlite(name = "runs.sqlite") {
  const file = join(dir, name);
  const checkpointer = SqliteSaver.fromConnString(file);
  const store = new SqliteCompletionStore(file);
  open.push({ close: () => checkpointer.db.close() }, store);
  return { file, checkpointer, store };
}

describe("a durable checkpointer needs a durable completion store", () => {
  it("refuses a durable checkpointer with no store (NOT_DURABLE) before any tool runs", async () => {
    const log = callLog();
    const { checkpointer } = sqlite();
    await expect(runPlan(chain, { tools: [log.tool], checkpointer, threadId: "t", ...quiet })).rejects.toMatchObject({ code: "NOT_DURABLE" });
    expect(log.calls).toEqual([]);
  });

  it("refuses a durable checkpointer with a memory store (NOT_DURABLE) and names both", async () => {
    const log = callLog();
    const { checkpointer } = sqlite();
    const error = await runPlan(chain, { tools: [log.tool], checkpointer, store: new MemoryCompletionStore(), threadId: "t", ...quiet }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NOT_DURABLE" });
    expect((error as Error).message).toMatch(/SqliteSaver.*MemoryCompletionStore/);
    expect(log.calls).toEqual([]);
  });

  it("accepts the memory checkpointer with the memory store (nothing survives the process either way)", async () => {
    const log = callLog();
    const result = await runPlan(chain, { tools: [log.tool], checkpointer: new MemorySaver(), threadId: "t", ...quiet });
    expect(result.status).toBe("completed");
  });

  it("refuses a checkpointer without a thread id as a usage error", async () => {
    await expect(runPlan(chain, { tools: [callLog().tool], checkpointer: new MemorySaver(), ...quiet })).rejects.toMatchObject({ code: "USAGE" });
  });
});

describe("a checkpointer or store failure fails the run with a typed error", () => {
  it("getTuple rejecting: CHECKPOINT_FAILED, no sequential fallback, no tool called twice", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    checkpointer.getTuple = async () => {
      throw new Error("database is locked");
    };
    const error = await runPlan(chain, { tools: [log.tool], checkpointer, store, threadId: "t", ...quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlangraphError);
    expect(error).toMatchObject({ code: "CHECKPOINT_FAILED" });
    expect((error as Error).message).toContain("database is locked");
    expect(process.emitWarning).not.toHaveBeenCalled();
    for (const id of ["a", "b", "c"]) expect(log.count(id), id).toBeLessThanOrEqual(1);
  });

  it("a resume whose pending writes cannot be read: CHECKPOINT_FAILED instead of guessing 'none' and calling again", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    const plan = { steps: [step("a"), step("gate", ["a"], { requires_approval: true }), step("c", ["gate"])] };
    const options: RunPlanOptions = { tools: [log.tool], checkpointer, store, threadId: "t", ...quiet };
    expect((await runPlan(plan, options)).status).toBe("interrupted");
    // Only the read of the paused superstep's pending writes fails (the one seeding a resumed run).
    const getTuple = checkpointer.getTuple.bind(checkpointer);
    checkpointer.getTuple = async (config) => {
      if (new Error().stack?.includes("pendingWrites")) throw new Error("I/O error reading writes");
      return getTuple(config);
    };
    const error = await runPlan(plan, { ...options, resume: { gate: "approve" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CHECKPOINT_FAILED" });
    expect((error as Error).message).toContain("I/O error reading writes");
    expect(log.count("a")).toBe(1);
    expect(log.count("c")).toBe(0);
  });

  it("put rejecting mid-run: CHECKPOINT_FAILED, not a 'completed' legacy rerun", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    const put = checkpointer.put.bind(checkpointer);
    let puts = 0;
    checkpointer.put = async (...args: Parameters<typeof put>) => {
      if (++puts > 2) throw new Error("disk I/O error");
      return put(...args);
    };
    const error = await runPlan(chain, { tools: [log.tool], checkpointer, store, threadId: "t", ...quiet }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CHECKPOINT_FAILED" });
    expect(log.calls.length, "the run got going before the failure").toBeGreaterThan(0);
    for (const id of ["a", "b", "c"]) expect(log.count(id), id).toBeLessThanOrEqual(1);
  });

  it("a store whose writes reject: STORE_FAILED at the first lost completion, and nothing after it starts", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    store.saveStep = async () => {
      throw new Error("SQLITE_FULL");
    };
    const error = await runPlan(chain, { tools: [log.tool], checkpointer, store, threadId: "t", ...quiet }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE_FAILED" });
    expect((error as Error).message).toContain("SQLITE_FULL");
    // a's completion never reached the record: b, built on it, would not survive a crash either.
    expect(log.calls).toEqual(["a"]);
  });

  it("a store whose load rejects: STORE_FAILED, and nothing runs", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    store.load = async () => {
      throw new Error("no such table");
    };
    await expect(runPlan(chain, { tools: [log.tool], checkpointer, store, threadId: "t", ...quiet })).rejects.toMatchObject({ code: "STORE_FAILED" });
    expect(log.calls).toEqual([]);
  });
});

describe("only an orchestration bug of ours falls back to the sequential executor", () => {
  it("without durability: finishes sequentially, says why, runs every tool once", async () => {
    const log = callLog();
    faults.escapeFailsFor.add("b");
    const result = await runPlan(chain, { tools: [log.tool], ...quiet });
    expect(result.status).toBe("completed");
    expect(Object.keys(result.results).sort()).toEqual(["a", "b", "c"]);
    expect(result.warnings.some((w) => /sequential fallback/.test(w) && w.includes("injected orchestration bug at 'b'"))).toBe(true);
    for (const id of ["a", "b", "c"]) expect(log.count(id), id).toBe(1);
  });

  it("in a durable run: the fallback writes to the same store under the same run id, so a resume calls nothing again", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    faults.escapeFailsFor.add("b");
    const options: RunPlanOptions = { tools: [log.tool], checkpointer, store, threadId: "t", runId: "run-1", ...quiet };
    const result = await runPlan(chain, options);
    expect(result.status).toBe("completed");
    expect(result.warnings.some((w) => /sequential fallback/.test(w))).toBe(true);
    const stored = await store.load("run-1");
    expect(Object.keys(stored.steps).sort(), "every completion on record under the run's id").toEqual(["a", "b", "c"]);
    expect((stored.steps.c as StepRecord).status).toBe("done");

    const resumed = await runPlan(chain, { ...options, runId: undefined, resume: null });
    expect(Object.keys(resumed.results).sort()).toEqual(["a", "b", "c"]);
    for (const id of ["a", "b", "c"]) expect(log.count(id), id).toBe(1);
  });

  it("in a durable run with an approval still to give: refuses with a typed error instead of running unrecorded", async () => {
    const log = callLog();
    const { checkpointer, store } = sqlite();
    faults.escapeFailsFor.add("a");
    const plan = { steps: [step("a"), step("gate", ["a"], { requires_approval: true })] };
    const error = await runPlan(plan, { tools: [log.tool], checkpointer, store, threadId: "t", ...quiet }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INTERNAL", step: "gate" });
    expect((error as Error).message).toMatch(/not finished in the sequential fallback.*approval/);
    expect(log.count("gate")).toBe(0);
    expect(log.count("a")).toBe(1);
  });
});
